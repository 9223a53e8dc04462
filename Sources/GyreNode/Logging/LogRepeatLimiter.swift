import Synchronization

/// Keeps a log from repeating itself: the same message about the same peer at most once per
/// window, at info level and above (debug and trace pass untouched).
///
/// Contract: thread-safe. ``admit(key:now:)`` answers whether a line may be written now and how
/// many identical lines were dropped since the last one written (reported on it). Memory is
/// bounded: at most ``capacity`` keys are remembered; the oldest go first.
final class LogRepeatLimiter: Sendable {
    static let capacity = 4096
    let windowNanoseconds: UInt64
    private let seen = Mutex<[String: (last: UInt64, dropped: Int)]>([:])

    init(windowNanoseconds: UInt64 = 1_000_000_000) {
        self.windowNanoseconds = windowNanoseconds
    }

    /// Nil: drop the line. Otherwise the count of lines dropped since the key was last written.
    func admit(key: String, now: UInt64) -> Int? {
        seen.withLock { seen in
            if let entry = seen[key], now &- entry.last < windowNanoseconds {
                seen[key] = (entry.last, entry.dropped + 1)
                return nil
            }
            let dropped = seen[key]?.dropped ?? 0
            if seen.count >= Self.capacity, seen[key] == nil {
                let cutoff = now &- windowNanoseconds
                seen = seen.filter { $0.value.last >= cutoff }
                if seen.count >= Self.capacity { seen.removeAll(keepingCapacity: true) }
            }
            seen[key] = (now, 0)
            return dropped
        }
    }
}

import Synchronization

/// Which nodes the client skips for now because their connection failed, and until when.
///
/// Contract: thread-safe. A failure skips the node for the initial backoff, doubled per further
/// consecutive failure up to the maximum; any answer from the node (even an error status) clears
/// it. ``order(_:)`` keeps the given order but moves skipped nodes last, so a call still reaches
/// them when nothing else is left (which is also how a recovered node is noticed).
final class NodeBackoff: Sendable {
    private struct Entry {
        var failures: Int
        var until: ContinuousClock.Instant
    }

    private let initial: Duration
    private let maximum: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    func failed(_ address: String, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            let failures = (entries[address]?.failures ?? 0) + 1
            var wait = initial
            for _ in 1..<min(failures, 30) {
                wait = wait * 2
                if wait >= maximum { wait = maximum; break }
            }
            entries[address] = Entry(failures: failures, until: now + wait)
        }
    }

    func answered(_ address: String) {
        entries.withLock { entries in
            if !entries.isEmpty { entries[address] = nil }
        }
    }

    func isSkipped(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { entries in entries[address].map { $0.until > now } ?? false }
    }

    /// `addresses` with the skipped ones moved to the end (each group in its given order).
    func order<Addresses: Collection<String>>(_ addresses: Addresses, now: ContinuousClock.Instant = .now) -> [String] {
        entries.withLock { entries in
            if entries.isEmpty { return Array(addresses) }
            var live: [String] = [], skipped: [String] = []
            for address in addresses {
                if let entry = entries[address], entry.until > now { skipped.append(address) } else { live.append(address) }
            }
            return live + skipped
        }
    }
}

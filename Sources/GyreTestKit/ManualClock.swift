import Synchronization

/// A monotonic clock that moves only when a test says so (nanoseconds).
///
/// Contract: thread-safe; ``now()`` returns the last value set; never goes backwards.
public final class ManualClock: Sendable {
    private let current: Mutex<UInt64>

    public init(start: UInt64 = 1_000_000_000) { current = Mutex(start) }

    public func now() -> UInt64 { current.withLock { $0 } }

    public func advance(byNanoseconds delta: UInt64) {
        current.withLock { $0 += delta }
    }

    public func advance(byMilliseconds delta: UInt64) { advance(byNanoseconds: delta * 1_000_000) }
}

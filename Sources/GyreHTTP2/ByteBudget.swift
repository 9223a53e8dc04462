import Synchronization

/// A count of bytes that many connections draw from, up to a limit (the request bytes a server
/// holds in incomplete requests over all its connections).
///
/// Contract: thread-safe; ``tryTake(_:)`` succeeds only while the total taken stays within
/// `limit`; every successful take is matched by a ``give(_:)`` of the same count.
public final class ByteBudget: Sendable {
    public let limit: Int
    private let taken = Atomic<Int>(0)

    public init(limit: Int) { self.limit = limit }

    /// Takes `count` bytes, or returns false (taking nothing) when that would pass the limit.
    public func tryTake(_ count: Int) -> Bool {
        let after = taken.wrappingAdd(count, ordering: .relaxed).newValue
        if after > limit {
            taken.wrappingSubtract(count, ordering: .relaxed)
            return false
        }
        return true
    }

    public func give(_ count: Int) { taken.wrappingSubtract(count, ordering: .relaxed) }

    /// Bytes taken now.
    public var inUse: Int { taken.load(ordering: .relaxed) }
}

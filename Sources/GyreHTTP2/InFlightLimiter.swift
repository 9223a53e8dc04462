import Synchronization

/// Bounds the number of requests a node processes at once, across all its connections.
///
/// Contract: ``tryAcquire()`` succeeds at most `limit` times without a matching ``release()``;
/// thread-safe.
public final class InFlightLimiter: Sendable {
    public let limit: Int
    private let current = Atomic<Int>(0)

    public init(limit: Int) { self.limit = limit }

    /// Takes a slot, or returns false when all `limit` are taken.
    public func tryAcquire() -> Bool {
        let after = current.wrappingAdd(1, ordering: .relaxed).newValue
        if after > limit {
            current.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    public func release() { current.wrappingSubtract(1, ordering: .relaxed) }

    /// Requests in flight now.
    public var inFlight: Int { current.load(ordering: .relaxed) }
}

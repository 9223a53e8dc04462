import Synchronization

/// A monotonically increasing count, safe to bump from any thread.
///
/// Contract: relaxed atomics: totals are exact, ordering against other memory is not implied.
public final class Counter: Sendable {
    private let count = Atomic<UInt64>(0)

    public init() {}

    public func increment(by amount: UInt64 = 1) { count.wrappingAdd(amount, ordering: .relaxed) }

    public var value: UInt64 { count.load(ordering: .relaxed) }
}

import Synchronization

/// Counts the operations in progress so ``closeAndWait()`` can refuse new ones and wait for
/// those already accepted (an asynchronous one ends when its completion was called).
///
/// Contract: ``begin()`` is false once closing began (the operation must not start); every true
/// ``begin()`` is matched by exactly one ``end()``. Two atomic operations per operation.
final class OperationTracker: Sendable {
    private static let closingFlag = 1 << 48

    private let state = Atomic<Int>(0)
    private let monitor = Monitor()

    func begin() -> Bool {
        let value = state.wrappingAdd(1, ordering: .acquiring).newValue
        if value & Self.closingFlag != 0 {
            end()
            return false
        }
        return true
    }

    func end() {
        let value = state.wrappingSubtract(1, ordering: .releasing).newValue
        if value == Self.closingFlag {
            monitor.withLock { monitor.broadcast() }
        }
    }

    /// Refuses new operations and waits until those in progress ended. Idempotent.
    func closeAndWait() {
        state.bitwiseOr(Self.closingFlag, ordering: .acquiringAndReleasing)
        monitor.lock()
        while state.load(ordering: .acquiring) != Self.closingFlag { monitor.wait() }
        monitor.unlock()
    }

    var isClosing: Bool { state.load(ordering: .relaxed) & Self.closingFlag != 0 }
}

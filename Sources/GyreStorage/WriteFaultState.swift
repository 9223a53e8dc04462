import Synchronization

/// Whether an engine's writes are failing, and when it may next try to reopen its store.
///
/// Contract: ``record(_:)`` makes ``health`` `.writeFault` and asks for a reopen; ``clear()``
/// (a write succeeded, durably per the policy) makes it `.ok` again. ``claimReopen(backoff:)``
/// answers true at most once per `backoff` while a reopen is wanted. ``clear()`` costs one
/// atomic load when there is no fault.
final class WriteFaultState: Sendable {
    private struct State {
        var message: String?
        var wantsReopen = false
        var lastReopenAttempt: ContinuousClock.Instant?
        var faults: UInt64 = 0
        var reopens: UInt64 = 0
    }

    private let state = Mutex(State())
    private let faulted = Atomic<Bool>(false)

    var health: StorageHealth {
        state.withLock { $0.message.map(StorageHealth.writeFault) ?? .ok }
    }

    var faults: UInt64 { state.withLock { $0.faults } }

    var reopens: UInt64 { state.withLock { $0.reopens } }

    /// True while a write fault is unresolved.
    var isFaulted: Bool { faulted.load(ordering: .acquiring) }

    /// A write or sync failed with `message`.
    func record(_ message: String) {
        state.withLock { state in
            state.message = message
            state.wantsReopen = true
            state.faults += 1
        }
        faulted.store(true, ordering: .releasing)
    }

    /// A write succeeded durably: the fault, if any, is over.
    func clear() {
        guard faulted.load(ordering: .acquiring) else { return }
        state.withLock { state in
            state.message = nil
            state.wantsReopen = false
        }
        faulted.store(false, ordering: .releasing)
    }

    /// True when a reopen is wanted and none was tried in the last `backoff`; the caller then
    /// reopens (and reports with ``reopened(_:)``).
    func claimReopen(backoff: Duration) -> Bool {
        guard faulted.load(ordering: .acquiring) else { return false }
        let now = ContinuousClock.now
        return state.withLock { state in
            guard state.wantsReopen else { return false }
            if let last = state.lastReopenAttempt, now - last < backoff { return false }
            state.lastReopenAttempt = now
            return true
        }
    }

    /// A reopen was tried: with success the store accepts writes again (the fault itself lasts
    /// until a write succeeds); on failure `message` says why.
    func reopened(_ failure: String?) {
        state.withLock { state in
            if let failure {
                state.message = failure
            } else {
                state.wantsReopen = false
                state.reopens += 1
            }
        }
    }
}

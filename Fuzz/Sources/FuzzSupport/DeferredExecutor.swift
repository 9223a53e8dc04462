public import GyreHTTP2
import Synchronization

/// A ``ConnectionExecutor`` for a connection driven by the fuzz harness on one thread, which
/// can pretend to be elsewhere: while ``isOnConnectionThread`` is false, work is queued (as an
/// answer from a storage thread hops onto the event loop) until ``runQueued()``.
///
/// Contract: queued work runs in order, on the caller of ``runQueued()``, with the flag set.
public final class DeferredExecutor: ConnectionExecutor {
    private struct State {
        var onThread = true
        var queue: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var inConnectionThread: Bool { state.withLock { $0.onThread } }

    public func execute(_ work: @escaping @Sendable () -> Void) {
        state.withLock { $0.queue.append(work) }
    }

    /// Sets whether callers count as being on the connection's thread.
    public func setOnConnectionThread(_ value: Bool) { state.withLock { $0.onThread = value } }

    /// Runs queued work (and work it queues) on the connection's thread.
    public func runQueued() {
        setOnConnectionThread(true)
        while true {
            let batch = state.withLock { state in
                defer { state.queue = [] }
                return state.queue
            }
            if batch.isEmpty { return }
            for work in batch { work() }
        }
    }
}

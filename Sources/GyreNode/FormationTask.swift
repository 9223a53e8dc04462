import Synchronization

/// The background task that forms the cluster, and its outcome.
///
/// Contract: ``run(_:)`` once; ``result()`` waits for it and returns nil on success or the
/// reason it failed.
final class FormationTask: Sendable {
    private let task = Mutex<Task<String?, Never>?>(nil)

    func run(_ body: @escaping @Sendable () async -> String?) {
        task.withLock { $0 = Task { await body() } }
    }

    func result() async -> String? {
        guard let task = task.withLock({ $0 }) else { return "the node was not started" }
        return await task.value
    }

    func cancel() { task.withLock { $0?.cancel() } }
}

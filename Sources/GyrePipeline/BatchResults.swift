import GyreModel
import Synchronization

/// Collects the results of a `Replica.Batch` call's items, which complete in any order and on
/// any thread, and hands over the whole answer once the last one arrived.
///
/// Contract: thread-safe; every slot is filled exactly once; `done` runs exactly once, when the
/// last slot was filled (at once for an empty batch).
final class BatchResults: Sendable {
    private struct State {
        var gets: [ReplicaItemResult?]
        var puts: [ReplicaItemResult?]
        var missing: Int
    }

    private let state: Mutex<State>
    private let done: @Sendable (ReplicaBatchResponse) -> Void

    init(gets: Int, puts: Int, done: @escaping @Sendable (ReplicaBatchResponse) -> Void) {
        state = Mutex(State(gets: Array(repeating: nil, count: gets), puts: Array(repeating: nil, count: puts),
                            missing: gets + puts))
        self.done = done
        if gets + puts == 0 { done(ReplicaBatchResponse()) }
    }

    func get(_ index: Int, _ result: ReplicaItemResult) { fill { $0.gets[index] = result } }

    func put(_ index: Int, _ result: ReplicaItemResult) { fill { $0.puts[index] = result } }

    private func fill(_ body: (inout State) -> Void) {
        let complete: ReplicaBatchResponse? = state.withLock { state in
            body(&state)
            state.missing -= 1
            guard state.missing == 0 else { return nil }
            return ReplicaBatchResponse(gets: state.gets.map { $0! }, puts: state.puts.map { $0! })
        }
        if let complete { done(complete) }
    }
}

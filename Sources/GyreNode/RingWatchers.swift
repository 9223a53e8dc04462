import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire
import Synchronization

/// The node's open `Cluster/WatchRing` streams, and the ring each one is told.
///
/// Contract: thread-safe. A stream added gets the current ring at once (when there is one), then
/// every ring published after it, in publication order, each once; a stream that ended (cancelled
/// by its client, past its deadline) is dropped at its cancellation or at the next publication.
/// After ``finishAll(_:)`` (shutdown) every open stream is ended with that status and new streams
/// are refused with it at once. Each stream holds one slot of the server's long-lived budget.
final class RingWatchers: Sendable {
    private struct State {
        var nextID = 0
        var calls: [Int: ServerCall] = [:]
        var last: RingInfo?
        var finished: RPCStatus?
    }

    private let state = Mutex(State())

    /// Streams open now.
    var count: Int { state.withLock { $0.calls.count } }

    /// Adds `call` and sends it the ring published last, if any.
    func add(_ call: ServerCall) {
        let id: Int? = state.withLock { state in
            if let finished = state.finished {
                call.finish(finished)
                return nil
            }
            let id = state.nextID
            state.nextID += 1
            state.calls[id] = call
            if let last = state.last { call.send(last.encodeFramed()) }
            return id
        }
        guard let id else { return }
        call.onCancel { [weak self] in self?.remove(id) }
    }

    /// Sends `info` to every open stream when its placement or member data moved on.
    func publish(_ info: RingInfo) {
        state.withLock { state in
            if let last = state.last, last.epoch == info.epoch, last.membersVersion == info.membersVersion { return }
            state.last = info
            let framed = info.encodeFramed()
            for (id, call) in state.calls {
                if call.isEnded { state.calls[id] = nil } else { call.send(framed) }
            }
        }
    }

    /// Ends every stream with `status` and refuses new ones with it.
    func finishAll(_ status: RPCStatus) {
        let calls: [ServerCall] = state.withLock { state in
            state.finished = status
            defer { state.calls.removeAll() }
            return Array(state.calls.values)
        }
        for call in calls { call.finish(status) }
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.calls.removeValue(forKey: id) }
    }
}

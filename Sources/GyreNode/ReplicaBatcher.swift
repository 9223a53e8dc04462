import GyreModel
import GyreRPC
import GyreWire
import NIOCore
import NIOPosix
import Synchronization

/// Sends the replica calls a node makes to each peer during one pass of its event loop as one
/// `Replica.Batch` call (a lone call goes out as the plain `Replica.Get` / `Replica.Put`).
///
/// Contract: thread-safe. Every enqueued item gets exactly one completion: its own result, or
/// the batch call's failure (with the batch's `notProcessed`). A batch leaves at the end of the
/// current event-loop pass (a task queued behind the pass's reads), so batching adds no timer
/// and no wait beyond that pass. The batch's deadline is the latest of its items' deadlines;
/// each coordinator still enforces its own.
final class ReplicaBatcher: Sendable {
    typealias GetCompletion = @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void
    typealias PutCompletion = @Sendable (Result<Void, PeerFailure>) -> Void

    private struct Pending {
        var gets: [(request: ReplicaGetRequest, completion: GetCompletion)] = []
        var puts: [(request: ReplicaPutRequest, completion: PutCompletion)] = []
        var deadline: UInt64 = 0
    }

    private let pending = Mutex<[String: Pending]>([:])
    private let fallbackLoop: any EventLoop
    private let peers: @Sendable () -> PeerClient
    private let batchesSent: Counter

    init(fallbackLoop: any EventLoop, batchesSent: Counter, peers: @escaping @Sendable () -> PeerClient) {
        self.fallbackLoop = fallbackLoop
        self.batchesSent = batchesSent
        self.peers = peers
    }

    func get(_ address: String, _ request: ReplicaGetRequest, deadline: UInt64, completion: @escaping GetCompletion) {
        enqueue(address, deadline: deadline) { $0.gets.append((request, completion)) }
    }

    func put(_ address: String, _ request: ReplicaPutRequest, deadline: UInt64, completion: @escaping PutCompletion) {
        enqueue(address, deadline: deadline) { $0.puts.append((request, completion)) }
    }

    private func enqueue(_ address: String, deadline: UInt64, _ add: (inout Pending) -> Void) {
        let opened = pending.withLock { pending in
            let opened = pending[address] == nil
            add(&pending[address, default: Pending()])
            pending[address]!.deadline = max(pending[address]!.deadline, deadline)
            return opened
        }
        guard opened else { return }
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? fallbackLoop
        loop.execute { [self] in send(address) }
    }

    private func send(_ address: String) {
        guard let batch = pending.withLock({ $0.removeValue(forKey: address) }) else { return }
        let peers = peers()
        let now = NIODeadline.now().uptimeNanoseconds
        let timeout = batch.deadline > now ? batch.deadline - now : 1
        if batch.gets.count == 1 && batch.puts.isEmpty {
            let item = batch.gets[0]
            return peers.call(address, ReplicaPaths.get, item.request, as: ReplicaGetResponse.self,
                              timeoutNanoseconds: timeout, completion: item.completion)
        }
        if batch.puts.count == 1 && batch.gets.isEmpty {
            let item = batch.puts[0]
            return peers.call(address, ReplicaPaths.put, item.request, as: ReplicaPutResponse.self,
                              timeoutNanoseconds: timeout) { result in item.completion(result.map { _ in () }) }
        }
        batchesSent.increment()
        let request = ReplicaBatchRequest(gets: batch.gets.map(\.request), puts: batch.puts.map(\.request))
        peers.call(address, ReplicaPaths.batch, request, as: ReplicaBatchResponse.self,
                   timeoutNanoseconds: timeout) { result in
            switch result {
            case let .success(response):
                guard response.gets.count == batch.gets.count, response.puts.count == batch.puts.count else {
                    let failure = PeerFailure(RPCError(.internal, "\(address) answered a batch with the wrong number of results"),
                                              notProcessed: false)
                    for item in batch.gets { item.completion(.failure(failure)) }
                    for item in batch.puts { item.completion(.failure(failure)) }
                    return
                }
                for (item, answer) in zip(batch.gets, response.gets) {
                    item.completion(Self.outcome(answer).map { ReplicaGetResponse(versionSet: answer.versionSet) })
                }
                for (item, answer) in zip(batch.puts, response.puts) { item.completion(Self.outcome(answer)) }
            case let .failure(failure):
                for item in batch.gets { item.completion(.failure(failure)) }
                for item in batch.puts { item.completion(.failure(failure)) }
            }
        }
    }

    private static func outcome(_ result: ReplicaItemResult) -> Result<Void, PeerFailure> {
        guard !result.isOK else { return .success(()) }
        return .failure(PeerFailure(RPCError(StatusCode(wireValue: Int(result.code)), result.message), notProcessed: false))
    }
}

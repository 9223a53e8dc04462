import GyreModel
import GyreRPC
import Synchronization

/// Sends the replica calls a node makes to each peer during one pass of its event loop as one
/// `Replica.Batch` call (a lone call goes out as the plain `Replica.Get` / `Replica.Put`).
///
/// Contract: thread-safe. Every enqueued item gets exactly one completion: its own result, or
/// the batch call's failure (with the batch's `notProcessed`). A batch leaves at the end of the
/// current pass (``Scheduler/afterPass(_:)``), so batching adds no timer and no wait beyond that
/// pass. Reads and writes travel in separate batches, so a read never waits for a write's
/// fsync. A batch is sent early once it holds ``maxItems`` items or ``maxBytes`` of request
/// bytes; a batch the peer refuses as too large (RESOURCE_EXHAUSTED) or does not know
/// (UNIMPLEMENTED: an older node during a rolling upgrade) is resent item by item. The batch's
/// deadline is the latest of its items' deadlines (each coordinator still enforces its own), and
/// it names the newest ring epoch its items were routed by.
final class ReplicaBatcher: Sendable {
    typealias GetCompletion = @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void
    typealias PutCompletion = @Sendable (Result<Void, PeerFailure>) -> Void

    /// Most items in one batch: the receiver's limit too.
    static let maxItems = ReplicaBatchRequest.maxItems
    /// Most request bytes (keys and version sets) in one batch: far below the peers' message
    /// limit, so a batch of writes is never refused for size where its single calls were not.
    static let maxBytes = 1 << 20

    private struct Destination: Hashable {
        let address: String
        let node: NodeID
        let writes: Bool

        /// Hashes the node and the kind only: hashing the address string costs a hasher round
        /// per byte on every enqueue, and two destinations of one node differ in kind at most.
        func hash(into hasher: inout Hasher) {
            hasher.combine(node)
            hasher.combine(writes)
        }
    }

    private struct Pending {
        var gets: [(request: ReplicaGetRequest, completion: GetCompletion)] = []
        var puts: [(request: ReplicaPutRequest, completion: PutCompletion)] = []
        var deadline: UInt64 = 0
        var epoch: UInt64 = 0
        var bytes = 0
        var count: Int { gets.count + puts.count }
    }

    private let pending = Mutex<[Destination: Pending]>([:])
    private let scheduler: any Scheduler
    private let transport: any ReplicaTransport
    private let batchesSent: Counter

    init(scheduler: any Scheduler, transport: any ReplicaTransport, batchesSent: Counter) {
        self.scheduler = scheduler
        self.transport = transport
        self.batchesSent = batchesSent
    }

    /// Reads `request` from `member`, routed by the ring at `epoch`.
    func get(_ member: Member, epoch: UInt64, _ request: ReplicaGetRequest, deadline: UInt64,
             completion: @escaping GetCompletion) {
        enqueue(Destination(address: member.peerAddress, node: member.id, writes: false), bytes: request.key.bytes.count,
                deadline: deadline, epoch: epoch) { $0.gets.append((request, completion)) }
    }

    /// Writes `request` to `member`, routed by the ring at `epoch`.
    func put(_ member: Member, epoch: UInt64, _ request: ReplicaPutRequest, deadline: UInt64,
             completion: @escaping PutCompletion) {
        enqueue(Destination(address: member.peerAddress, node: member.id, writes: true),
                bytes: request.key.bytes.count + request.versionSet.count, deadline: deadline, epoch: epoch) {
            $0.puts.append((request, completion))
        }
    }

    private func enqueue(_ destination: Destination, bytes: Int, deadline: UInt64, epoch: UInt64,
                         _ add: (inout Pending) -> Void) {
        func include(_ batch: inout Pending) {
            add(&batch)
            batch.bytes += bytes
            batch.deadline = max(batch.deadline, deadline)
            batch.epoch = max(batch.epoch, epoch)
        }
        // One hash lookup, and the open batch is changed in place: a copy taken out of the
        // dictionary would share its arrays and copy them whole on every append.
        let (opened, full): (Bool, Pending?) = pending.withLock { pending in
            var full: Pending?
            if let index = pending.index(forKey: destination) {
                let (openBytes, openCount) = (pending.values[index].bytes, pending.values[index].count)
                guard openBytes + bytes > Self.maxBytes || openCount >= Self.maxItems else {
                    include(&pending.values[index])
                    return (false, nil)
                }
                full = pending.remove(at: index).value
            }
            var batch = Pending()
            include(&batch)
            pending[destination] = batch
            return (true, full)
        }
        if let full { send(full, to: destination) }
        guard opened else { return }
        scheduler.afterPass { [self] in
            guard let batch = pending.withLock({ $0.removeValue(forKey: destination) }) else { return }
            send(batch, to: destination)
        }
    }

    private func send(_ batch: Pending, to destination: Destination) {
        let member = Member(id: destination.node, peerAddress: destination.address)
        if batch.count == 1 { return sendEach(batch, to: member) }
        batchesSent.increment()
        let request = ReplicaBatchRequest(gets: batch.gets.map(\.request), puts: batch.puts.map(\.request))
        transport.batch(member, epoch: batch.epoch, request, deadline: batch.deadline) { [self] result in
            switch result {
            case let .success(response):
                guard response.gets.count == batch.gets.count, response.puts.count == batch.puts.count else {
                    return Self.fail(batch, PeerFailure(RPCError(.internal, "\(member.peerAddress) answered a batch with the wrong number of results"),
                                                        notProcessed: false))
                }
                for (item, answer) in zip(batch.gets, response.gets) {
                    item.completion(Self.outcome(answer).map { ReplicaGetResponse(versionSet: answer.versionSet) })
                }
                for (item, answer) in zip(batch.puts, response.puts) { item.completion(Self.outcome(answer)) }
            case let .failure(failure) where failure.error.code == .resourceExhausted || failure.error.code == .unimplemented:
                // Too large for the peer (or its reply too large for us), or a peer that predates
                // Replica.Batch: one call per item (neither answer means any item was applied).
                sendEach(batch, to: member)
            case let .failure(failure):
                Self.fail(batch, failure)
            }
        }
    }

    private func sendEach(_ batch: Pending, to member: Member) {
        for item in batch.gets {
            transport.get(member, epoch: batch.epoch, item.request, deadline: batch.deadline, completion: item.completion)
        }
        for item in batch.puts {
            transport.put(member, epoch: batch.epoch, item.request, deadline: batch.deadline) { result in
                item.completion(result.map { _ in () })
            }
        }
    }

    private static func fail(_ batch: Pending, _ failure: PeerFailure) {
        for item in batch.gets { item.completion(.failure(failure)) }
        for item in batch.puts { item.completion(.failure(failure)) }
    }

    private static func outcome(_ result: ReplicaItemResult) -> Result<Void, PeerFailure> {
        guard !result.isOK else { return .success(()) }
        return .failure(PeerFailure(RPCError(StatusCode(wireValue: Int(result.code)), result.message), notProcessed: false))
    }
}

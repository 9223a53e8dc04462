import GyreCore
import GyreModel
import GyrePipeline
import GyreRPC
import GyreStorage

/// Three nodes (N=3, R=W=2) running Gyre's request pipeline (`ReplicaHandler` and everything
/// behind it, with the node's `CausalVersioning`) in one thread, each on an `InMemoryEngine`,
/// joined by an in-process transport: every replica call and every answer is a job on one FIFO
/// run queue, as on a node's event loop, with no encoding and no delay. A client request runs
/// until the queue is empty, so it includes the replica work the quorum did not wait for (the
/// third replica's write, the third read). Then the virtual clock moves on 1 ms and the
/// coordinator timers that came due run (each request arms a 1 s replica timeout, cancelled when
/// it completes).
///
/// Not the simulation of GyreTestKit (its `SimulatedCluster` is internal and draws faults and
/// delays from a seed): the same ports, with nothing in the way of the pipeline's own work.
final class InMemoryCluster: @unchecked Sendable {
    let members: [Member]
    private(set) var handlers: [ReplicaHandler<CausalVersioning>] = []
    private var jobs: [() -> Void] = []
    private var timers: [(at: UInt64, action: @Sendable () -> Void)] = []
    private(set) var now: UInt64 = 1_000_000_000
    fileprivate var reply: Result<KVReply, RPCError>?

    init(partitionCount: Int = 64) {
        members = [Samples.nodeA, Samples.nodeB, Samples.nodeC].enumerated().map { Member(id: $1, peerAddress: "n\($0)") }
        let ring = Ring.claim(members: members, partitionCount: partitionCount)
        handlers = members.indices.map { index in
            let view = ClusterView(ring: ring, clusterID: Samples.clusterID, secret: Samples.secret, replicationFactor: 3,
                                   readQuorum: 2, writeQuorum: 2, me: members[index].id, membersVersion: 1)
            let context = PipelineContext(
                me: members[index].id, storage: InMemoryEngine(shardCount: 1), metrics: PipelineMetrics(),
                views: FixedView(view: view), scheduler: ClusterScheduler(cluster: self),
                transport: ClusterTransport(cluster: self), timing: CoordinatorTiming(),
                versioning: CausalVersioning(), limits: KVLimits())
            return ReplicaHandler(context: context)
        }
    }

    /// A client's Put sent to node `node`, run to completion.
    func put(_ request: PutRequest, at node: Int = 0) throws -> PutResponse {
        handlers[node].router.put(request, hops: 0, responder: ClientResponder(cluster: self))
        guard case let .put(response) = try finish() else { throw BenchError("a put got another answer") }
        return response
    }

    /// A client's Get sent to node `node`, run to completion.
    func get(_ request: GetRequest, at node: Int = 0) throws -> GetResponse {
        handlers[node].router.get(request, hops: 0, responder: ClientResponder(cluster: self))
        guard case let .get(response) = try finish() else { throw BenchError("a get got another answer") }
        return response
    }

    /// Runs jobs until none is left, moves the clock on and runs the timers due, then returns the
    /// client's answer.
    private func finish() throws -> KVReply {
        drain()
        now += 1_000_000
        if timers.contains(where: { $0.at <= now }) {
            let due = timers.filter { $0.at <= now }
            timers.removeAll { $0.at <= now }
            for timer in due { timer.action() }
            drain()
        }
        defer { reply = nil }
        guard let reply else { throw BenchError("the request was never answered") }
        return try reply.get()
    }

    private func drain() {
        var next = 0
        while next < jobs.count {
            let job = jobs[next]
            next += 1
            job()
        }
        jobs.removeAll(keepingCapacity: true)
    }

    fileprivate func enqueue(_ job: @escaping () -> Void) { jobs.append(job) }

    fileprivate func schedule(at time: UInt64, _ action: @escaping @Sendable () -> Void) {
        timers.append((time, action))
    }

    fileprivate func handler(for member: Member) -> ReplicaHandler<CausalVersioning> {
        handlers[members.firstIndex { $0.id == member.id }!]
    }
}

/// The cluster's one view: every node routes by the same ring.
private struct FixedView: ClusterViewSource {
    let view: ClusterView
    var currentView: ClusterView? { view }
}

/// The virtual clock; "after this pass" is a job at the end of the run queue.
private struct ClusterScheduler: Scheduler, @unchecked Sendable {
    unowned let cluster: InMemoryCluster

    func now() -> UInt64 { cluster.now }
    func run(at deadline: UInt64, _ action: @escaping @Sendable () -> Void) { cluster.schedule(at: deadline, action) }
    func afterPass(_ action: @escaping @Sendable () -> Void) { cluster.enqueue(action) }
}

/// Records the client's answer.
private struct ClientResponder: KVResponder, @unchecked Sendable {
    unowned let cluster: InMemoryCluster
    var deadline: UInt64? { nil }
    func answer(_ reply: KVReply) { cluster.reply = .success(reply) }
    func fail(_ error: RPCError) { cluster.reply = .failure(error) }
}

/// A call is a job that runs the target's handler; its answer is a job that runs the completion.
private struct ClusterTransport: ReplicaTransport, @unchecked Sendable {
    unowned let cluster: InMemoryCluster

    func get(_ member: Member, epoch: UInt64, _ request: ReplicaGetRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, completion) { $0.get(request, view: $1, completion: $2) }
    }

    func put(_ member: Member, epoch: UInt64, _ request: ReplicaPutRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaPutResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, completion) { $0.put(request, view: $1, completion: $2) }
    }

    func batch(_ member: Member, epoch: UInt64, _ request: ReplicaBatchRequest, deadline: UInt64,
               completion: @escaping @Sendable (Result<ReplicaBatchResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, completion) { $0.batch(request, view: $1, completion: $2) }
    }

    func coordinate(_ member: Member, epoch: UInt64, _ request: CoordinateRequest, deadline: UInt64,
                    completion: @escaping @Sendable (Result<CoordinateResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, completion) { handler, _, answer in
            handler.coordinate(request, responder: ForwardedResponder(deadline: nil, answer: answer))
        }
    }

    func hintPut(_ member: Member, epoch: UInt64, _ request: HintPutRequest, deadline: UInt64,
                 completion: @escaping @Sendable (Result<HintPutResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, completion) { $0.hintPut(request, view: $1, completion: $2) }
    }

    private func call<Response: Sendable>(
        _ member: Member, epoch: UInt64, _ completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void,
        serve: @escaping (ReplicaHandler<CausalVersioning>, ClusterView,
                          @escaping @Sendable (Result<Response, RPCError>) -> Void) -> Void
    ) {
        let cluster = self.cluster
        cluster.enqueue {
            let handler = cluster.handler(for: member)
            let answer: @Sendable (Result<Response, RPCError>) -> Void = { result in
                cluster.enqueue { completion(result.mapError { PeerFailure($0, notProcessed: false) }) }
            }
            switch handler.admit(.init(target: member.id, senderEpoch: epoch)) {
            case let .success(view): serve(handler, view, answer)
            case let .failure(error): answer(.failure(error))
            }
        }
    }
}


import GyreModel
import GyrePipeline
import GyreRPC

/// The pipeline's ``ReplicaTransport`` in the simulation: a call travels to the member's node
/// over the simulated network, is served there by that node's current ``ReplicaHandler``
/// (checks included), and its answer travels back. Either way a message may be delayed,
/// dropped or cut by the partition; a node that is down refuses the call (the caller learns it
/// one message delay later, as a refused connection: not processed). A caller that hears nothing
/// by the call's deadline gets DEADLINE_EXCEEDED, as from the real client.
///
/// Contract: as ``ReplicaTransport``; single-threaded (the world's thread). Every completion
/// runs at most once, and only while the calling node's incarnation is still running.
struct SimulatedTransport<Versioning: ReplicaVersioning>: ReplicaTransport, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let node: Int
    let incarnation: Int

    func get(_ member: Member, epoch: UInt64, _ request: ReplicaGetRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, "Replica.Get \(request.key)", deadline: deadline, completion: completion) { handler, view, answer in
            handler.get(request, view: view, completion: answer)
        }
    }

    func put(_ member: Member, epoch: UInt64, _ request: ReplicaPutRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaPutResponse, PeerFailure>) -> Void) {
        let what = request.repair ? "repair \(request.key)" : "Replica.Put \(request.key)"
        call(member, epoch: epoch, what, deadline: deadline, completion: completion) { handler, view, answer in
            handler.put(request, view: view, completion: answer)
        }
    }

    func batch(_ member: Member, epoch: UInt64, _ request: ReplicaBatchRequest, deadline: UInt64,
               completion: @escaping @Sendable (Result<ReplicaBatchResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, "Replica.Batch \(request.count) items", deadline: deadline, completion: completion) { handler, view, answer in
            handler.batch(request, view: view, completion: answer)
        }
    }

    func coordinate(_ member: Member, epoch: UInt64, _ request: CoordinateRequest, deadline: UInt64,
                    completion: @escaping @Sendable (Result<CoordinateResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, "Replica.Coordinate", deadline: deadline, completion: completion) { handler, _, answer in
            handler.coordinate(request, responder: ForwardedResponder(deadline: deadline, answer: answer))
        }
    }

    func hintPut(_ member: Member, epoch: UInt64, _ request: HintPutRequest, deadline: UInt64,
                 completion: @escaping @Sendable (Result<HintPutResponse, PeerFailure>) -> Void) {
        call(member, epoch: epoch, "Replica.HintPut \(request.key) for \(request.owner)", deadline: deadline,
             completion: completion) { handler, view, answer in
            handler.hintPut(request, view: view, completion: answer)
        }
    }

    /// One call: out, served, back; or refused, lost, late.
    private func call<Response: Sendable>(
        _ member: Member, epoch: UInt64, _ what: String, deadline: UInt64,
        completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void,
        serve: @escaping (ReplicaHandler<Versioning>, ClusterView, @escaping @Sendable (Result<Response, RPCError>) -> Void) -> Void
    ) {
        let world = self.world, caller = node, incarnation = self.incarnation
        let target = world.index(of: member.id)
        let finished = Once()
        let finish: @Sendable (Result<Response, PeerFailure>) -> Void = { result in
            if finished.take() { completion(result) }
        }
        world.schedule(node: caller, incarnation: incarnation, at: max(deadline, world.now)) {
            finish(.failure(PeerFailure(RPCError(.deadlineExceeded, "no answer from n\(target) in time"), notProcessed: false)))
        }
        if world.lost(from: caller, to: target, what) { return }
        let header = ReplicaHandler<Versioning>.CallHeader(target: member.id, senderEpoch: epoch)
        world.queue.schedule(.world {
            if world.cut(caller, target) {
                world.faults.partitioned += 1
                world.trace.record(world.now, "lost n\(caller)→n\(target) \(what) (partition)")
                return
            }
            guard world.nodes[target].isUp, let handler = world.nodes[target].handler else {
                world.faults.refused += 1
                world.trace.record(world.now, "refused n\(caller)→n\(target) \(what) (down)")
                world.schedule(node: caller, incarnation: incarnation, at: world.now + world.delay()) {
                    finish(.failure(PeerFailure(RPCError(.unavailable, "connection refused by n\(target)"), notProcessed: true)))
                }
                return
            }
            world.trace.record(world.now, "n\(caller)→n\(target) \(what)")
            let targetIncarnation = world.nodes[target].incarnation
            let answer: @Sendable (Result<Response, RPCError>) -> Void = { result in
                // Sent back by the target's pipeline (if it still runs), over the network.
                guard world.nodes[target].isUp, world.nodes[target].incarnation == targetIncarnation else { return }
                if world.lost(from: target, to: caller, "answer to \(what)") { return }
                world.queue.schedule(.world {
                    if world.cut(target, caller) {
                        world.faults.partitioned += 1
                        world.trace.record(world.now, "lost n\(target)→n\(caller) answer to \(what) (partition)")
                        return
                    }
                    guard world.nodes[caller].isUp, world.nodes[caller].incarnation == incarnation else { return }
                    finish(result.mapError { PeerFailure($0, notProcessed: false) })
                }, at: world.now + world.delay())
            }
            switch handler.admit(header) {
            case let .success(view): serve(handler, view, answer)
            case let .failure(error): answer(.failure(error))
            }
        }, at: world.now + world.delay())
    }
}

/// A flag that can be taken once (single-threaded).
final class Once: @unchecked Sendable {
    private var taken = false

    /// True the first time only.
    func take() -> Bool {
        defer { taken = true }
        return !taken
    }
}

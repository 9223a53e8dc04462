import GyreCore
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreStorage
import GyreWire

/// Routes a validated client request: coordinates it here when this node is in the key's
/// preference list, otherwise forwards it (`Replica.Coordinate`) to the first node of the list
/// that can be reached.
///
/// Contract: requests answer UNAVAILABLE while the cluster is forming; per-request R/W of 0 take
/// the cluster default (capped at the cluster size), more than N is INVALID_ARGUMENT, more than
/// the cluster size UNAVAILABLE. A forwarded write is retried on the next node only when the
/// previous one certainly did not process it, so a write is never applied twice by retrying.
/// A request that was already forwarded is never forwarded again. Contexts are sealed and opened
/// only through the cluster's ``ContextSeal`` (the route's snapshot): every context a Get or Put
/// answers is sealed for its key, and the coordinator opens the client's context (also one that
/// came forwarded, as the client sent it) before anything is written; one this cluster did not
/// issue for the key is INVALID_ARGUMENT.
struct RequestRouter: Sendable {
    let context: CoordinationContext

    // MARK: reads

    func get(_ call: ServerCall, _ request: GetRequest, hops: UInt32, format: ReplyFormat) {
        guard let route = route(call, key: request.key, hops: hops) else { return }
        guard let r = quorum(call, requested: request.r, defaultValue: route.snapshot.configuration.readQuorum,
                             snapshot: route.snapshot, name: "r") else { return }
        guard route.coordinateHere else {
            return forward(call, CoordinateRequest(operation: .get(request), hops: hops + 1), candidates: route.replicas,
                           unwrap: { if case let .get(response) = $0 { format.get(response) } else { nil } })
        }
        if route.replicas.count == 1 && route.replicas[0] == context.me {
            // The only replica is this node (a one-node cluster): no fan-out, nothing to repair.
            return readOnlyReplica(call, key: route.key, snapshot: route.snapshot, format: format)
        }
        guard timeLeft(call, read: true) else { return }
        let deadline = context.timing.waitDeadline(now: context.now(), clientDeadline: call.deadline)
        ReadExecution(context: context, call: call, key: route.key, replicas: route.replicas, r: r,
                      deadline: deadline, seal: route.snapshot.seal, epoch: route.snapshot.ring.epoch, format: format).start()
    }

    private func readOnlyReplica(_ call: ServerCall, key: StorageKey, snapshot: ClusterState.Snapshot, format: ReplyFormat) {
        let (seal, epoch) = (snapshot.seal, snapshot.ring.epoch)
        context.readLocal(key) { result in
            switch result {
            case let .success(versions):
                let view = ReplicaLogic.clientView(of: versions)
                call.respond(format.get(GetResponse(values: view.values, context: seal.seal(view.context, for: key.key),
                                                    replicas: 1, ringEpoch: epoch)))
            case let .failure(error):
                call.fail(RPCError(.unavailable, "only 0 of the 1 replicas needed (R) answered: \(error)"))
            }
        }
    }

    // MARK: writes

    /// A put (`value` = bytes) or a delete (`value` = tombstone).
    func write(_ call: ServerCall, key: Key, value: StoredValue, causal: CausalContext, w requested: UInt32,
               hops: UInt32, forwardAs operation: CoordinateRequest.Operation, format: ReplyFormat) {
        guard let route = route(call, key: key, hops: hops) else { return }
        guard let w = quorum(call, requested: requested, defaultValue: route.snapshot.configuration.writeQuorum,
                             snapshot: route.snapshot, name: "w") else { return }
        guard route.coordinateHere else {
            return forward(call, CoordinateRequest(operation: operation, hops: hops + 1), candidates: route.replicas,
                           unwrap: { response in
                               switch response {
                               case let .put(put): format.put(put)
                               case let .delete(delete): format.delete(delete)
                               case .get: nil
                               }
                           })
        }
        let (seal, epoch) = (route.snapshot.seal, route.snapshot.ring.epoch)
        let clientContext: VersionVector?
        do {
            clientContext = try seal.open(causal, for: key)
        } catch {
            context.metrics.contextsRefused.increment()
            return call.fail(RPCError(.invalidArgument, error.description))
        }
        if call.isExpired {
            context.metrics.expiredWritesSkipped.increment()
            return call.fail(WriteAnswer.refused(.deadlineExceeded, "deadline exceeded before the write started"))
        }
        if route.replicas.count > 1 {
            guard timeLeft(call, read: false) else { return }
        }
        // Apply to this node's replica first: the new event gets this node's actor id.
        let outcome = LocalWriteOutcome()
        let (me, limits, seen) = (context.me, context.writeLimits, clientContext)
        context.storage.update(route.key, { old throws(StorageError) in
            let current: VersionSet?
            do {
                current = try old.map { try VersionSet(decoding: $0) }
            } catch {
                throw StorageError("stored versions of \(key) are unreadable: \(error)")
            }
            switch ReplicaLogic.coordinateWrite(current: current, context: seen, value: value, actor: me,
                                                limits: limits) {
            case let .success(versions):
                let encoded = versions.encode()
                outcome.record(.written(versions, encoded))
                return encoded
            case let .failure(.capExceeded(message)):
                // Thrown so that nothing is written (not even the old bytes again).
                outcome.record(.refused(message))
                throw StorageError("refused: \(message)")
            }
        }, completion: { [context] result in
            if case let .refused(message)? = outcome.value { return call.fail(WriteAnswer.refused(.failedPrecondition, message)) }
            if case let .failure(error) = result { return call.fail(Self.localWriteError(error)) }
            switch outcome.value {
            case .refused?:
                break
            case nil:
                call.fail(RPCError(.internal, "write produced no versions"))
            case let .written(written, encoded)?:
                let isDelete = value.isTombstone
                let respond: @Sendable (VersionSet, Int) -> [UInt8] = { versions, acks in
                    isDelete ? format.delete(DeleteResponse(replicas: UInt32(acks), ringEpoch: epoch))
                        : format.put(PutResponse(context: seal.seal(versions.context, for: key),
                                                 replicas: UInt32(acks), values: versions.liveValues, ringEpoch: epoch))
                }
                let others = route.replicas.filter { $0 != context.me }
                if others.isEmpty {
                    // The only replica is this node (a one-node cluster): no fan-out, no timer.
                    return call.respond(respond(written, 1))
                }
                let deadline = context.timing.waitDeadline(now: context.now(), clientDeadline: call.deadline)
                WriteExecution(context: context, call: call, key: route.key, others: others, w: w, versions: written,
                               encoded: encoded, deadline: deadline, respond: respond).start()
            }
        })
    }

    /// The answer to a client write whose coordinator could not store it locally: a write fault
    /// (disk full, I/O error) may have left it in this replica without making it durable
    /// (UNAVAILABLE, possibly applied); a closed store is shutting down (UNAVAILABLE, not
    /// applied); anything else is INTERNAL, not applied.
    static func localWriteError(_ error: StorageError) -> RPCError {
        switch error.kind {
        case .writeFault:
            WriteAnswer.failure("\(error)", acks: 0, outcome: .possiblyApplied)
        case .closed:
            WriteAnswer.refused(.unavailable, "the node is shutting down: \(error)")
        case .failure:
            WriteAnswer.refused(.internal, "storage write failed: \(error)")
        }
    }

    // MARK: steps

    private struct Route {
        let snapshot: ClusterState.Snapshot
        let key: StorageKey
        let replicas: [NodeID]
        let coordinateHere: Bool
    }

    private func route(_ call: ServerCall, key: Key, hops: UInt32) -> Route? {
        guard let snapshot = context.state.snapshot else {
            call.fail(WriteAnswer.refused(.unavailable, "the cluster is still forming: not every peer has answered yet"))
            return nil
        }
        let placement = KeyPlacement(key: key, ring: snapshot.ring, replication: snapshot.replication)
        let decision = placement.route(at: context.me, hops: hops)
        if decision == .misrouted {
            call.fail(WriteAnswer.refused(.unavailable, "forwarded to a node outside the key's preference list: the nodes' rings disagree"))
            return nil
        }
        return Route(snapshot: snapshot, key: StorageKey(partition: UInt32(placement.partition), key: key),
                     replicas: placement.replicas, coordinateHere: decision == .coordinate)
    }

    /// Whether the client's deadline leaves the coordinator time to wait for other replicas;
    /// answers DEADLINE_EXCEEDED (nothing started) when it does not.
    private func timeLeft(_ call: ServerCall, read: Bool) -> Bool {
        let now = context.now()
        guard !context.timing.timeLeft(now: now, clientDeadline: call.deadline) else { return true }
        let remaining = context.timing.remaining(now: now, clientDeadline: call.deadline) ?? 0
        call.fail(read ? ReadAnswer.deadlineTooShort(remaining: remaining, margin: context.timing.margin)
                  : WriteAnswer.deadlineTooShort(remaining: remaining, margin: context.timing.margin))
        return false
    }

    private func quorum(_ call: ServerCall, requested: UInt32, defaultValue: Int, snapshot: ClusterState.Snapshot,
                        name: String) -> Int? {
        let n = snapshot.replication
        if requested == 0 { return min(defaultValue, n) }
        if Int(requested) > snapshot.configuration.replication {
            call.fail(RPCError(.invalidArgument, "\(name)=\(requested) exceeds the replication factor N=\(snapshot.configuration.replication)"))
            return nil
        }
        if Int(requested) > n {
            call.fail(RPCError(.unavailable, "\(name)=\(requested) but the cluster has only \(n) node\(n == 1 ? "" : "s")"))
            return nil
        }
        return Int(requested)
    }

    private func forward(_ call: ServerCall, _ request: CoordinateRequest, candidates: [NodeID],
                         unwrap: @escaping @Sendable (CoordinateResponse.Result) -> [UInt8]?) {
        context.metrics.forwarded.increment()
        let budget = call.remainingNanoseconds ?? (2 * context.timing.replicaTimeout)
        let kind: RetryRule.RequestKind = if case .get = request.operation { .read } else { .write }
        forward(call, request, kind: kind, candidates: candidates[...], budget: budget, unwrap: unwrap)
    }

    private func forward(_ call: ServerCall, _ request: CoordinateRequest, kind: RetryRule.RequestKind,
                         candidates: ArraySlice<NodeID>, budget: UInt64,
                         unwrap: @escaping @Sendable (CoordinateResponse.Result) -> [UInt8]?) {
        guard let next = candidates.first, let snapshot = context.state.snapshot, let member = snapshot.member(next) else {
            return call.fail(WriteAnswer.refused(.unavailable, "no node of the key's preference list could be reached"))
        }
        let context = self.context
        context.peers.call(member, epoch: snapshot.ring.epoch, ReplicaPaths.coordinate, request, as: CoordinateResponse.self,
                           timeoutNanoseconds: call.remainingNanoseconds ?? budget) { result in
            switch result {
            case let .success(response):
                guard let framed = unwrap(response.result) else {
                    return call.fail(RPCError(.internal, "coordinator \(next) answered with the wrong kind of response"))
                }
                call.respond(framed)
            case let .failure(failure)
                where candidates.count > 1
                && RetryRule.mayMoveOn(kind, after: AttemptFailure(failure.error, notProcessed: failure.notProcessed)):
                RequestRouter(context: context).forward(call, request, kind: kind, candidates: candidates.dropFirst(),
                                                        budget: budget, unwrap: unwrap)
            case let .failure(failure):
                call.fail(failure.error)
            }
        }
    }
}

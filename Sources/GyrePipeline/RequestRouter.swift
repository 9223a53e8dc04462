public import GyreCore
public import GyreModel
public import GyreRPC
public import GyreStorage

/// Routes a client request (from a client, or forwarded by a node): checks it, then coordinates
/// it. A read is coordinated where it arrives. A write is coordinated here when this node is in
/// the key's preference list, otherwise forwarded (`Replica.Coordinate`) to the key's replicas in
/// turn, those the failure detector sees as down last (``KeyPlacement``, ``RetryRule``). Replicas
/// that are down or silent are stood in for by the next healthy nodes on the ring (sloppy
/// quorum, see ``WriteCoordinator`` and ``ReadCoordinator``), unless a write asks for a strict
/// quorum.
///
/// Contract: keys and values are checked against ``PipelineContext/limits`` first
/// (INVALID_ARGUMENT). Requests answer UNAVAILABLE while the cluster is forming; per-request R/W
/// of 0 take the cluster default (capped at the cluster size), more than N is INVALID_ARGUMENT,
/// more than the cluster size UNAVAILABLE. A deadline that leaves the coordinator no time to wait
/// for other replicas is DEADLINE_EXCEEDED before anything starts. A forwarded write moves on to
/// the next replica only when the previous one certainly did not apply it, so a write is never
/// applied twice by retrying; a request that was already forwarded is never forwarded again.
/// Contexts are sealed and opened only through the view's ``ContextSeal``: every context a Get or
/// Put answers is sealed for its key, and the coordinator opens the client's context (also one
/// that came forwarded, as the client sent it) before anything is written; one this cluster did
/// not issue for the key is INVALID_ARGUMENT. Every answer names the ring epoch it was routed by.
public struct RequestRouter<Versioning: ReplicaVersioning>: Sendable {
    public typealias Version = Versioning.Version
    public let context: PipelineContext<Versioning>

    public init(context: PipelineContext<Versioning>) { self.context = context }

    // MARK: entry points

    public func get(_ request: GetRequest, hops: UInt32, responder: any KVResponder) {
        guard valid(key: request.key, responder) else { return }
        // A read is coordinated where it arrives, replica or not (a forward would put one more
        // node, perhaps a silent one, between the client and the replicas).
        guard let route = route(responder, key: request.key, hops: hops, read: true) else { return }
        guard let r = quorum(responder, requested: request.r, defaultValue: route.view.readQuorum, view: route.view,
                             name: "r") else { return }
        if route.replicas.count == 1 && route.replicas[0] == context.me {
            // The only replica is this node (a one-node cluster): no fan-out, nothing to repair.
            return readOnlyReplica(responder, key: route.key, view: route.view)
        }
        if !route.coordinateHere { context.metrics.readsCoordinatedAway.increment() }
        guard timeLeft(responder, read: true) else { return }
        let deadline = context.timing.waitDeadline(now: context.now(), clientDeadline: responder.deadline)
        ReadExecution(context: context, responder: responder, key: route.key, replicas: route.replicas,
                      fallbacks: route.fallbacks, down: route.down, r: r, deadline: deadline, seal: route.view.seal,
                      epoch: route.view.ring.epoch).start()
    }

    public func put(_ request: PutRequest, hops: UInt32, responder: any KVResponder) {
        guard valid(key: request.key, responder) else { return }
        if let violation = context.limits.validate(value: request.value) {
            return responder.fail(RPCError(.invalidArgument, violation.description))
        }
        write(responder, key: request.key, value: .value(request.value), causal: request.context, w: request.w,
              strict: request.strictQuorum, hops: hops, forwardAs: .put(request))
    }

    public func delete(_ request: DeleteRequest, hops: UInt32, responder: any KVResponder) {
        guard valid(key: request.key, responder) else { return }
        write(responder, key: request.key, value: .tombstone, causal: request.context, w: request.w,
              strict: request.strictQuorum, hops: hops, forwardAs: .delete(request))
    }

    // MARK: reads

    private func readOnlyReplica(_ responder: any KVResponder, key: StorageKey, view: ClusterView) {
        let (seal, epoch, versioning) = (view.seal, view.ring.epoch, context.versioning)
        context.readLocal(key) { result in
            switch result {
            case let .success(versions):
                let shown = versioning.clientView(of: versions)
                responder.answer(.get(GetResponse(values: shown.values, context: seal.seal(shown.context, for: key.key),
                                                  replicas: 1, ringEpoch: epoch)))
            case let .failure(error):
                responder.fail(RPCError(.unavailable, "only 0 of the 1 replicas needed (R) answered: \(error)"))
            }
        }
    }

    // MARK: writes

    /// A put (`value` = bytes) or a delete (`value` = tombstone).
    private func write(_ responder: any KVResponder, key: Key, value: StoredValue, causal: CausalContext, w requested: UInt32,
                       strict: Bool, hops: UInt32, forwardAs operation: CoordinateRequest.Operation) {
        guard let route = route(responder, key: key, hops: hops, read: false) else { return }
        guard let w = quorum(responder, requested: requested, defaultValue: route.view.writeQuorum, view: route.view,
                             name: "w") else { return }
        guard route.coordinateHere else {
            let request = CoordinateRequest(operation: operation, hops: hops + 1)
            let write = PendingWrite(route: route, key: key, value: value, causal: causal, w: w, strict: strict)
            let reachable = route.replicas.filter { !route.down.contains($0) }
            // No replica reachable: coordinate here, as a fallback (Dynamo's always-writeable).
            if reachable.isEmpty { return coordinateOffReplica(responder, write) }
            // Replicas seen as down are tried last (the detector may be wrong); when every
            // replica certainly did not take the write, it is coordinated here after all.
            let candidates = reachable + route.replicas.filter(route.down.contains)
            return forward(responder, request, kind: .write, candidates: candidates) { [self] in
                coordinateOffReplica(responder, write)
            }
        }
        let write = PendingWrite(route: route, key: key, value: value, causal: causal, w: w, strict: strict)
        guard let clientContext = openContext(responder, write) else { return }
        if route.replicas.count > 1 {
            guard timeLeft(responder, read: false) else { return }
        }
        // Apply to this node's replica first: the new event gets this node's actor id.
        let me = context.me
        applyLocally(responder, write, at: route.key, clientContext: clientContext, actor: { me }) { [context] written, encoded in
            let others = route.replicas.filter { $0 != context.me }
            if others.isEmpty {
                // The only replica is this node (a one-node cluster): no fan-out, no timer.
                return responder.answer(write.reply(written, acks: 1, hinted: 0, versioning: context.versioning))
            }
            let deadline = context.timing.waitDeadline(now: context.now(), clientDeadline: responder.deadline)
            WriteExecution(context: context, responder: responder, key: route.key, others: others,
                           fallbacks: route.fallbacks, down: route.down, strict: strict, w: w, versions: written,
                           encoded: encoded, deadline: deadline) { write.reply($0, acks: $1, hinted: $2, versioning: context.versioning) }
                .start()
        }
    }

    /// A write none of whose replicas can be reached, coordinated here although this node is
    /// not one of them: the new event (under ``FallbackActor``) is kept here as a hint for the
    /// key's first replica and sent to fallbacks for the others; every acknowledgement is a hint.
    /// A strict quorum refuses (UNAVAILABLE, not applied).
    private func coordinateOffReplica(_ responder: any KVResponder, _ write: PendingWrite) {
        guard !write.strict else {
            return responder.fail(WriteAnswer.refused(.unavailable, "no replica of the key could be reached, and a strict quorum counts replicas only"))
        }
        guard let clientContext = openContext(responder, write) else { return }
        guard timeLeft(responder, read: false) else { return }
        let route = write.route
        let owner = route.replicas[0]
        let hintKey = StorageKey.hint(owner: owner, for: route.key)
        if let hit = context.hintBacklog.check(owner: owner, adding: write.value.bytes?.count ?? 0, now: context.now()) {
            context.metrics.hintCapHits.increment()
            context.recordRepairNeeded(partition: route.key.partition)
            return responder.fail(WriteAnswer.refused(.unavailable, "no replica of the key could be reached, and no hint is kept for \(owner): \(hit)"))
        }
        context.metrics.writesCoordinatedOffReplica.increment()
        let fallbackActor = context.fallbackActor
        applyLocally(responder, write, at: hintKey, clientContext: clientContext, actor: { fallbackActor.take() },
                     hintOwner: owner) { [context] written, encoded in
            let deadline = context.timing.waitDeadline(now: context.now(), clientDeadline: responder.deadline)
            let others = route.replicas.filter { $0 != owner }
            WriteExecution(context: context, responder: responder, key: route.key, others: others,
                           fallbacks: route.fallbacks.filter { $0 != context.me }, down: Set(route.replicas), strict: false,
                           w: write.w, versions: written, encoded: encoded, localIsHint: true, deadline: deadline) {
                write.reply($0, acks: $1, hinted: $2, versioning: context.versioning)
            }.start()
        }
    }

    /// A client write on its way: where it routes, what it writes, and how it is answered.
    private struct PendingWrite: Sendable {
        let route: Route
        let key: Key
        let value: StoredValue
        let causal: CausalContext
        let w: Int
        let strict: Bool

        /// The client's answer once `acks` nodes (`hinted` of them fallbacks) hold `versions`.
        func reply(_ versions: Version, acks: Int, hinted: Int, versioning: Versioning) -> KVReply {
            let epoch = route.view.ring.epoch
            if value.isTombstone {
                return .delete(DeleteResponse(replicas: UInt32(acks), ringEpoch: epoch, hinted: UInt32(hinted)))
            }
            let shown = versioning.clientView(of: versions)
            return .put(PutResponse(context: route.view.seal.seal(shown.context, for: key), replicas: UInt32(acks),
                                    values: shown.values, ringEpoch: epoch, hinted: UInt32(hinted)))
        }
    }

    /// The client's context opened (nil for none), or nil after answering: INVALID_ARGUMENT for a
    /// context this cluster did not issue for the key, DEADLINE_EXCEEDED when it already passed.
    private func openContext(_ responder: any KVResponder, _ write: PendingWrite) -> VersionVector?? {
        let clientContext: VersionVector?
        do {
            clientContext = try write.route.view.seal.open(write.causal, for: write.key)
        } catch {
            context.metrics.contextsRefused.increment()
            responder.fail(RPCError(.invalidArgument, error.description))
            return nil
        }
        if let deadline = responder.deadline, context.now() >= deadline {
            context.metrics.expiredWritesSkipped.increment()
            responder.fail(WriteAnswer.refused(.deadlineExceeded, "deadline exceeded before the write started"))
            return nil
        }
        return .some(clientContext)
    }

    /// Makes the write's new event under `actor()` (read inside the storage transform, under the
    /// key's lock) over what `storageKey` holds, stores it, then hands the new versions and their
    /// encoding to `next`; answers the client itself when the write is refused or fails.
    private func applyLocally(_ responder: any KVResponder, _ write: PendingWrite, at storageKey: StorageKey,
                              clientContext: VersionVector?, actor: @escaping @Sendable () -> NodeID, hintOwner: NodeID? = nil,
                              next: @escaping @Sendable (Version, [UInt8]) -> Void) {
        let outcome = LocalWriteOutcome<Version>()
        let sizes = SizeChange()
        let (versioning, now, context, key, value) = (context.versioning, context.now(), self.context, write.key, write.value)
        context.storage.update(storageKey, { old throws(StorageError) in
            let current = try old.map { bytes throws(StorageError) in try context.decode(bytes, of: key).get() }
            switch versioning.coordinateWrite(current: current, context: clientContext, value: value, actor: actor(), now: now) {
            case let .success(versions):
                let encoded = versioning.encode(versions)
                outcome.record(.written(versions, encoded))
                sizes.record(old: old?.count, new: encoded.count)
                return encoded
            case let .failure(.capExceeded(message)):
                // Thrown so that nothing is written (not even the old bytes again).
                outcome.record(.refused(message))
                throw StorageError("refused: \(message)")
            }
        }, completion: { result in
            if case let .refused(message)? = outcome.value {
                context.metrics.capRefusals.increment()
                return responder.fail(WriteAnswer.refused(.failedPrecondition, message))
            }
            if case let .failure(error) = result { return responder.fail(Self.localWriteError(error)) }
            switch outcome.value {
            case .refused?:
                break
            case nil:
                responder.fail(WriteAnswer.refused(.internal, "write produced no versions"))
            case let .written(written, encoded)?:
                if let hintOwner, let change = sizes.value {
                    context.hintBacklog.record(owner: hintOwner, oldBytes: change.old, newBytes: change.new, now: context.now())
                }
                next(written, encoded)
            }
        })
    }

    /// The answer to a client write whose coordinator could not store it locally: a write fault
    /// (disk full, I/O error) may have left it in this replica without making it durable
    /// (UNAVAILABLE, possibly applied); a closed store is shutting down (UNAVAILABLE, not
    /// applied); anything else is INTERNAL, not applied.
    public static func localWriteError(_ error: StorageError) -> RPCError {
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
        let view: ClusterView
        let placement: KeyPlacement
        let key: StorageKey
        let coordinateHere: Bool
        /// Members the failure detector sees as down now.
        let down: Set<NodeID>

        var replicas: [NodeID] { placement.replicas }

        /// Where a sloppy quorum stands in for replicas: up to N members after the preference
        /// list, those seen as down left out.
        var fallbacks: [NodeID] {
            let candidates = view.fallbackLists[placement.partition]
            if down.isEmpty { return candidates }
            return candidates.filter { !down.contains($0) }
        }
    }

    private func valid(key: Key, _ responder: any KVResponder) -> Bool {
        guard let violation = context.limits.validate(key: key) else { return true }
        responder.fail(RPCError(.invalidArgument, violation.description))
        return false
    }

    private func route(_ responder: any KVResponder, key: Key, hops: UInt32, read: Bool) -> Route? {
        guard let view = context.view else {
            responder.fail(WriteAnswer.refused(.unavailable, "the cluster is still forming: not every peer has answered yet"))
            return nil
        }
        let placement = view.placement(of: key)
        let decision = placement.route(at: context.me, hops: hops)
        if decision == .misrouted && !read {
            responder.fail(WriteAnswer.refused(.unavailable, "forwarded to a node outside the key's preference list: the nodes' rings disagree"))
            return nil
        }
        return Route(view: view, placement: placement, key: StorageKey(partition: UInt32(placement.partition), key: key),
                     coordinateHere: decision == .coordinate, down: context.downMembers())
    }

    /// Whether the client's deadline leaves the coordinator time to wait for other replicas;
    /// answers DEADLINE_EXCEEDED (nothing started) when it does not.
    private func timeLeft(_ responder: any KVResponder, read: Bool) -> Bool {
        let now = context.now()
        guard !context.timing.timeLeft(now: now, clientDeadline: responder.deadline) else { return true }
        let remaining = context.timing.remaining(now: now, clientDeadline: responder.deadline) ?? 0
        responder.fail(read ? ReadAnswer.deadlineTooShort(remaining: remaining, margin: context.timing.margin)
                       : WriteAnswer.deadlineTooShort(remaining: remaining, margin: context.timing.margin))
        return false
    }

    private func quorum(_ responder: any KVResponder, requested: UInt32, defaultValue: Int, view: ClusterView,
                        name: String) -> Int? {
        let n = view.replication
        if requested == 0 { return min(defaultValue, n) }
        if Int(requested) > view.replicationFactor {
            responder.fail(RPCError(.invalidArgument, "\(name)=\(requested) exceeds the replication factor N=\(view.replicationFactor)"))
            return nil
        }
        if Int(requested) > n {
            responder.fail(RPCError(.unavailable, "\(name)=\(requested) but the cluster has only \(n) node\(n == 1 ? "" : "s")"))
            return nil
        }
        return Int(requested)
    }

    /// Forwards to `candidates` in turn; when the last one failed in a way that lets the request
    /// move on (it certainly did not apply it), `exhausted` runs instead of failing, if given.
    private func forward(_ responder: any KVResponder, _ request: CoordinateRequest, kind: RetryRule.RequestKind,
                         candidates: [NodeID], exhausted: (@Sendable () -> Void)? = nil) {
        context.metrics.forwarded.increment()
        let deadline = responder.deadline ?? (context.now() &+ 2 * context.timing.replicaTimeout)
        forward(responder, request, kind: kind, candidates: candidates[...], deadline: deadline, exhausted: exhausted)
    }

    private func forward(_ responder: any KVResponder, _ request: CoordinateRequest, kind: RetryRule.RequestKind,
                         candidates: ArraySlice<NodeID>, deadline: UInt64, exhausted: (@Sendable () -> Void)?) {
        guard let next = candidates.first, let view = context.view, let member = view.member(next) else {
            return responder.fail(WriteAnswer.refused(.unavailable, "no node of the key's preference list could be reached"))
        }
        let context = self.context
        // One attempt may take as long as a coordinator waits for its replicas and then some;
        // a coordinator that stays silent longer is routed around for a while
        // (``UnresponsivePeers``), so the next writes do not wait for it too.
        let started = context.now()
        let attemptDeadline = min(deadline, started &+ context.timing.replicaTimeout &+ context.timing.attemptTimeout)
        context.transport.coordinate(member, epoch: view.ring.epoch, request, deadline: attemptDeadline) { result in
            context.noteCall(to: next, started: started, deadline: attemptDeadline, failure: result.failure)
            switch result {
            case let .success(response):
                guard Self.sameKind(request.operation, response.result) else {
                    return responder.fail(RPCError(.internal, "coordinator \(next) answered with the wrong kind of response"))
                }
                responder.answer(KVReply(response.result))
            case let .failure(failure)
                where candidates.count > 1
                && RetryRule.mayMoveOn(kind, after: AttemptFailure(failure.error, notProcessed: failure.notProcessed)):
                RequestRouter(context: context).forward(responder, request, kind: kind, candidates: candidates.dropFirst(),
                                                        deadline: deadline, exhausted: exhausted)
            case let .failure(failure)
                where exhausted != nil
                && RetryRule.mayMoveOn(kind, after: AttemptFailure(failure.error, notProcessed: failure.notProcessed)):
                exhausted?()
            case let .failure(failure) where failure.error.code == .deadlineExceeded && attemptDeadline < deadline:
                // Our attempt's deadline, not the client's: say what is known.
                let message = "coordinator \(next) did not answer within \((attemptDeadline - started) / 1_000_000) ms"
                responder.fail(kind == .write ? WriteAnswer.failure(message, acks: 0, outcome: .possiblyApplied)
                                              : RPCError(.unavailable, message))
            case let .failure(failure):
                responder.fail(kind == .write ? Self.withOutcome(failure) : failure.error)
            }
        }
    }

    /// A failed forward of a write, saying whether it may have been applied: the coordinator's
    /// own answer says so already; a transport failure says not-applied only when the call was
    /// certainly not processed.
    private static func withOutcome(_ failure: PeerFailure) -> RPCError {
        if failure.error.trailers[WriteAnswer.outcomeTrailer] != nil { return failure.error }
        return WriteAnswer.failure(failure.error.message, code: failure.error.code, acks: 0,
                                   outcome: failure.notProcessed ? .notApplied : .possiblyApplied)
    }

    private static func sameKind(_ operation: CoordinateRequest.Operation, _ result: CoordinateResponse.Result) -> Bool {
        switch (operation, result) {
        case (.get, .get), (.put, .put), (.delete, .delete): true
        default: false
        }
    }
}

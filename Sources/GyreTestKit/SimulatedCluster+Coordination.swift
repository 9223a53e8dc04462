import GyreCore
import GyreModel
import GyreStorage

// The node's request pipeline, step for step as GyreNode runs it: RequestRouter.write (open the
// client's sealed context, apply to the coordinator's replica with ReplicaLogic, then a
// WriteCoordinator fans out), ReadExecution and WriteExecution (carrying out the instances'
// directives, sealing the answers' contexts for their key), CoordinationContext (local read,
// absorb, repair) and ReplicaService (Replica.Get / Replica.Put). Only the transport differs.
extension SimulatedCluster {
    // MARK: messages arriving at a node

    func nodeReceived(_ message: SimulationMessage, from sender: SimulationEndpoint, at node: Int) {
        switch message {
        case let .request(request):
            coordinate(request, at: node)
        case let .replicaGet(request, key):
            guard case let .node(caller) = sender else { return }
            if storageFails() {
                trace.record(now, "n\(node) storage read failed")
                return send(.replicaFailed(request: request), from: .node(node), to: .node(caller))
            }
            let bytes = try? nodes[node].storage.get(key)
            send(.replicaVersions(request: request, bytes: bytes), from: .node(node), to: .node(caller))
        case let .replicaPut(request, key, bytes, repair):
            guard case let .node(caller) = sender else { return }
            guard let incoming = Versioning.decode(bytes) else {
                preconditionFailure("seed \(schedule.seed): undecodable versions sent to n\(node)")
            }
            let stored = absorbLocal(incoming, key: key, at: node)
            if !repair {
                send(stored ? .replicaAck(request: request) : .replicaFailed(request: request),
                     from: .node(node), to: .node(caller))
            }
        case let .replicaVersions(request, bytes):
            guard case let .node(replica) = sender, nodes[node].reads[request] != nil else { return }
            let from = members[replica]
            let directives: [ReadCoordinator<Version>.Directive]
            if let bytes {
                if let versions = Versioning.decode(bytes) {
                    directives = nodes[node].reads[request]!.instance.onAnswer(from: from, versions: versions)
                } else {
                    directives = nodes[node].reads[request]!.instance.onFailure(from: from)
                }
            } else {
                directives = nodes[node].reads[request]!.instance.onAnswer(from: from, versions: nil)
            }
            performRead(directives, request: request, at: node)
        case let .replicaAck(request):
            guard case let .node(replica) = sender, nodes[node].writes[request] != nil else { return }
            let directives = nodes[node].writes[request]!.instance.onAck(from: members[replica])
            performWrite(directives, request: request, at: node)
        case let .replicaFailed(request):
            guard case let .node(replica) = sender else { return }
            if nodes[node].reads[request] != nil {
                let directives = nodes[node].reads[request]!.instance.onFailure(from: members[replica])
                performRead(directives, request: request, at: node)
            } else if nodes[node].writes[request] != nil {
                let directives = nodes[node].writes[request]!.instance.onFailure(from: members[replica])
                performWrite(directives, request: request, at: node)
            }
        case .reply:
            preconditionFailure("a client reply was delivered to a node")
        }
    }

    func coordinatorTimeout(node: Int, request: UInt64) {
        if nodes[node].reads[request] != nil {
            performRead(nodes[node].reads[request]!.instance.onTimeout(now: now), request: request, at: node)
        } else if nodes[node].writes[request] != nil {
            performWrite(nodes[node].writes[request]!.instance.onTimeout(now: now), request: request, at: node)
        }
    }

    // MARK: coordinating a client request

    private func coordinate(_ request: ClientRequest, at node: Int) {
        let (key, replicas) = placement(of: request.key)
        precondition(replicas.contains(node), "clients send only to the key's replicas")
        let isWrite: Bool
        switch request.action {
        case .get: isWrite = false
        case .put, .delete: isWrite = true
        }
        if now >= request.deadline {
            // The node's `call.isExpired` check: the request is not started.
            return replyToClient(request, isWrite ? .writeFailed(acks: 0, outcome: .notApplied) : .readFailed, from: node)
        }
        let deadline = timing.waitDeadline(now: now, clientDeadline: request.deadline)
        switch request.action {
        case .get:
            startRead(key: key, replicas: replicas, r: schedule.readQuorum, deadline: deadline,
                      origin: .client(client: request.client, operation: request.operation), at: node)
        case let .put(write, context):
            startWrite(request, write: write, value: .value(write.payload), context: context, key: key,
                       replicas: replicas, deadline: deadline, at: node)
        case let .delete(write, context):
            startWrite(request, write: write, value: .tombstone, context: context, key: key,
                       replicas: replicas, deadline: deadline, at: node)
        }
    }

    func replyToClient(_ request: ClientRequest, _ reply: ClientReply, from node: Int) {
        send(.reply(operation: request.operation, reply), from: .node(node), to: .client(request.client))
    }

    // MARK: reads (ReadExecution)

    func startRead(key: StorageKey, replicas: [Int], r: Int, deadline: UInt64, origin: ReadOrigin, at node: Int) {
        let request = newRequestID()
        var instance = ReadCoordinator<Version>(replicas: replicas.map { members[$0] }, r: r, deadline: deadline)
        let directives = instance.start()
        nodes[node].reads[request] = PendingRead(key: key, origin: origin, instance: instance)
        performRead(directives, request: request, at: node)
    }

    private func performRead(_ directives: [ReadCoordinator<Version>.Directive], request: UInt64, at node: Int) {
        guard let pending = nodes[node].reads[request] else { return }
        for directive in directives {
            switch directive {
            case let .read(replica) where replica == members[node]:
                // The coordinator's own replica answers at once, re-entering the instance.
                let next: [ReadCoordinator<Version>.Directive]
                switch readLocal(pending.key, at: node) {
                case let .success(versions):
                    next = nodes[node].reads[request]?.instance.onAnswer(from: replica, versions: versions) ?? []
                case .failure:
                    next = nodes[node].reads[request]?.instance.onFailure(from: replica) ?? []
                }
                performRead(next, request: request, at: node)
            case let .read(replica):
                send(.replicaGet(request: request, key: pending.key), from: .node(node), to: .node(index(of: replica)))
            case let .scheduleTimeout(at):
                queue.schedule(.coordinatorTimeout(node: node, request: request), at: at)
            case let .reply(.ok(merged, _)):
                let view = Versioning.clientView(of: merged)
                answerRead(pending.origin, .read(values: view.values, context: seal.seal(view.context, for: pending.key.key).bytes),
                           from: node)
            case .reply(.unavailable):
                answerRead(pending.origin, .readFailed, from: node)
            case let .repair(replica, versions) where replica == members[node]:
                _ = absorbLocal(versions, key: pending.key, at: node)
            case let .repair(replica, versions):
                send(.replicaPut(request: 0, key: pending.key, bytes: Versioning.encode(versions), repair: true),
                     from: .node(node), to: .node(index(of: replica)))
            case .finished:
                nodes[node].reads[request] = nil
            }
        }
    }

    private func answerRead(_ origin: ReadOrigin, _ reply: ClientReply, from node: Int) {
        switch origin {
        case let .client(client, operation):
            send(.reply(operation: operation, reply), from: .node(node), to: .client(client))
        case let .final(slot):
            if case let .read(values, _) = reply { finalReads[slot].values = values }
            if case let .read(values, _) = reply {
                trace.record(now, "final read \(slot) at n\(node): [\(values.map(Operation.show).joined(separator: ","))]")
            } else {
                trace.record(now, "final read \(slot) at n\(node) failed")
            }
        }
    }

    // MARK: writes (RequestRouter.write, WriteExecution)

    private func startWrite(_ request: ClientRequest, write: WriteID, value: StoredValue, context: [UInt8], key: StorageKey,
                            replicas: [Int], deadline: UInt64, at node: Int) {
        let clientContext: VersionVector?
        do {
            clientContext = try seal.open(CausalContext(context), for: key.key)
        } catch {
            preconditionFailure("seed \(schedule.seed): a client sent a context no node made for \(key.key): \(error)")
        }
        if storageFails() {
            trace.record(now, "n\(node) storage write failed")
            return replyToClient(request, .writeFailed(acks: 0, outcome: .notApplied), from: node)
        }
        // Apply to this node's replica first: the new event gets this node's actor id.
        let actor = members[node]
        var refusal: String?
        var written: Version?
        let now = self.now
        _ = try? nodes[node].storage.update(key) { old in
            let current = old.map { bytes -> Version in
                guard let versions = Versioning.decode(bytes) else { preconditionFailure("unreadable stored versions") }
                return versions
            }
            switch Versioning.coordinateWrite(current: current, context: clientContext, value: value, actor: actor, now: now) {
            case let .success(versions):
                written = versions
                return Versioning.encode(versions)
            case let .failure(.capExceeded(message)):
                refusal = message
                return old
            }
        }
        if let refusal {
            trace.record(now, "n\(node) refused \(write): \(refusal)")
            return replyToClient(request, .writeFailed(acks: 0, outcome: .notApplied), from: node)
        }
        guard let written else { preconditionFailure("the write produced no versions") }
        let dot = Dot(actor: actor, counter: Versioning.history(of: written).counter(for: actor))
        observations.applied[write] = StorageObservations.Applied(node: node, time: now, dot: dot)
        trace.record(now, "n\(node) stored \(write) as event \(dot.counter) of n\(node)")
        let id = newRequestID()
        var instance = WriteCoordinator<Version>(coordinator: actor, others: replicas.filter { $0 != node }.map { members[$0] },
                                                 w: schedule.writeQuorum, version: written, localApplied: true,
                                                 deadline: deadline)
        let directives = instance.start()
        nodes[node].writes[id] = PendingWrite(key: key, replicas: replicas, client: request.client,
                                              operation: request.operation, write: write, dot: dot,
                                              isDelete: value.isTombstone, instance: instance)
        performWrite(directives, request: id, at: node)
    }

    private func performWrite(_ directives: [WriteCoordinator<Version>.Directive], request: UInt64, at node: Int) {
        guard let pending = nodes[node].writes[request] else { return }
        for directive in directives {
            switch directive {
            case let .write(replica, versions):
                send(.replicaPut(request: request, key: pending.key, bytes: Versioning.encode(versions), repair: false),
                     from: .node(node), to: .node(index(of: replica)))
            case let .scheduleTimeout(at):
                queue.schedule(.coordinatorTimeout(node: node, request: request), at: at)
            case .reply(.ok):
                observations.holdersAtAnswer[pending.write] = holders(of: pending.dot, key: pending.key, among: pending.replicas)
                let reply: ClientReply
                if pending.isDelete {
                    reply = .deleted
                } else {
                    let view = Versioning.clientView(of: pending.instance.version)
                    reply = .written(values: view.values, context: seal.seal(view.context, for: pending.key.key).bytes)
                }
                send(.reply(operation: pending.operation, reply), from: .node(node), to: .client(pending.client))
            case let .reply(.unavailable(acks, outcome)):
                observations.holdersAtAnswer[pending.write] = holders(of: pending.dot, key: pending.key, among: pending.replicas)
                send(.reply(operation: pending.operation, .writeFailed(acks: acks, outcome: outcome)),
                     from: .node(node), to: .client(pending.client))
            case .finished:
                nodes[node].writes[request] = nil
            }
        }
    }

    // MARK: local replica (CoordinationContext)

    private func readLocal(_ key: StorageKey, at node: Int) -> Result<Version?, StorageError> {
        if storageFails() {
            trace.record(now, "n\(node) storage read failed")
            return .failure(StorageError("injected storage fault"))
        }
        guard let bytes = try? nodes[node].storage.get(key) else { return .success(nil) }
        guard let versions = Versioning.decode(bytes) else {
            return .failure(StorageError("stored versions of \(key.key) are unreadable"))
        }
        return .success(versions)
    }

    /// Merges `incoming` into the node's versions of `key`; false when storage failed.
    private func absorbLocal(_ incoming: Version, key: StorageKey, at node: Int) -> Bool {
        if storageFails() {
            trace.record(now, "n\(node) storage write failed")
            return false
        }
        _ = try? nodes[node].storage.update(key) { old in
            let current = old.map { bytes -> Version in
                guard let versions = Versioning.decode(bytes) else { preconditionFailure("unreadable stored versions") }
                return versions
            }
            return Versioning.encode(Versioning.absorb(current: current, incoming: incoming))
        }
        return true
    }

    // MARK: observation

    /// How many of `replicas` have `dot` in their stored history now.
    func holders(of dot: Dot, key: StorageKey, among replicas: [Int]) -> Int {
        replicas.filter { node in
            guard let bytes = try? nodes[node].storage.get(key), let versions = Versioning.decode(bytes) else { return false }
            return Versioning.history(of: versions).contains(dot)
        }.count
    }
}

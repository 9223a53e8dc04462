import GyreCore
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreStorage
import GyreWire

/// The node-to-node `gyre.v1.Replica` service, served on the peer address only.
///
/// Contract: every call but Identify must carry this cluster's id (`gyre-cluster-id`):
/// another cluster's node gets FAILED_PRECONDITION; before the cluster formed, UNAVAILABLE. Every
/// such call must also name this node (`gyre-to`) and a ring epoch not older than this node's
/// (`gyre-ring-epoch`), and every Get or Put item a key in the partition it names, a partition
/// this node holds (``ReplicaAdmission``): otherwise FAILED_PRECONDITION with this node's epoch
/// in a `gyre-ring-epoch` trailer (a batch item: its own result says so), and nothing is read or
/// written.
/// Replica.Put merges (never refuses for size: caps apply to client writes only). An empty key
/// is INVALID_ARGUMENT on every path (Get, Put, each Batch item, Coordinate); a batch of more
/// than ``ReplicaBatchRequest/maxItems`` items is RESOURCE_EXHAUSTED before any item runs.
/// Identify answers the cluster's id and secret (before formation, this node's proposals) to
/// whoever reaches the peer listener: the listener's authentication is all that protects it.
struct ReplicaService {
    let context: CoordinationContext
    let kv: KVService
    let authorization: PeerAuthorization

    func register(into router: inout RPCRouter) {
        let service = self
        router.register(ReplicaPaths.get) { call, bytes in service.get(call, bytes) }
        router.register(ReplicaPaths.put) { call, bytes in service.put(call, bytes) }
        router.register(ReplicaPaths.coordinate) { call, bytes in service.coordinate(call, bytes) }
        router.register(ReplicaPaths.identify) { call, bytes in service.identify(call, bytes) }
        router.register(ReplicaPaths.batch) { call, bytes in service.batch(call, bytes) }
    }

    /// The ring `call` may act under: the caller is an authenticated member (see
    /// ``PeerAuthorization``) of this cluster, the call is meant for this node and was routed by a
    /// ring at least as new. Nil when refused (the call has been answered).
    private func admit(_ call: ServerCall) -> ClusterState.Snapshot? {
        guard authorization.admitsMember(call) else { return nil }
        guard let snapshot = context.state.snapshot else {
            call.fail(RPCError(.unavailable, "the cluster is still forming"))
            return nil
        }
        let metadata = call.head.metadata
        guard metadata[PeerClient.clusterHeader] == snapshot.clusterIDText else {
            let theirs = metadata[PeerClient.clusterHeader] ?? "none"
            call.fail(RPCError(.failedPrecondition, "cluster id mismatch: this node is in cluster \(snapshot.clusterID), the caller in \(theirs)"))
            return nil
        }
        let target = metadata[PeerClient.toHeader].flatMap(NodeID.init)
        let epoch = metadata[PeerClient.epochHeader].flatMap { UInt64($0) } ?? 0
        if let refusal = ReplicaAdmission.checkCall(target: target, senderEpoch: epoch, me: context.me,
                                                    replicaEpoch: snapshot.ring.epoch) {
            call.fail(Self.refusalError(refusal, snapshot: snapshot))
            return nil
        }
        return snapshot
    }

    /// Why an item may not be read or written here, or nil.
    private static func itemRefusal(key: Key, partition: UInt32, snapshot: ClusterState.Snapshot) -> ReplicaAdmission.Refusal? {
        let held = snapshot.held
        return ReplicaAdmission.checkItem(key: key, partition: partition, partitionCount: snapshot.ring.partitionCount,
                                          epoch: snapshot.ring.epoch) { held[$0] }
    }

    private static func refusalError(_ refusal: ReplicaAdmission.Refusal, snapshot: ClusterState.Snapshot) -> RPCError {
        var trailers = Metadata()
        trailers.addLowercased(ReplicaAdmission.epochTrailer, snapshot.epochText)
        return RPCError(.failedPrecondition, "\(refusal)", trailers: trailers)
    }

    private func get(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let snapshot = admit(call), let request: ReplicaGetRequest = RequestChecks.decode(call, bytes) else { return }
        read(request, snapshot: snapshot) { result in
            guard result.isOK else { return call.fail(Self.error(result, snapshot: snapshot)) }
            call.respond(ReplicaGetResponse(versionSet: result.versionSet).encodeFramed())
        }
    }

    private func put(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let snapshot = admit(call), let request: ReplicaPutRequest = RequestChecks.decode(call, bytes) else { return }
        write(request, snapshot: snapshot) { result in
            guard result.isOK else { return call.fail(Self.error(result, snapshot: snapshot)) }
            call.respond(ReplicaPutResponse().encodeFramed())
        }
    }

    /// Every item runs at once; the answer goes when the last one completed.
    private func batch(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let snapshot = admit(call), let request: ReplicaBatchRequest = RequestChecks.decode(call, bytes) else { return }
        guard request.count <= ReplicaBatchRequest.maxItems else {
            return call.fail(RPCError(.resourceExhausted, "a batch of \(request.count) items: the limit is \(ReplicaBatchRequest.maxItems); send them in smaller batches or one by one"))
        }
        let gathered = BatchResults(gets: request.gets.count, puts: request.puts.count) { response in
            call.respond(response.encodeFramed())
        }
        for (index, item) in request.gets.enumerated() { read(item, snapshot: snapshot) { gathered.get(index, $0) } }
        for (index, item) in request.puts.enumerated() { write(item, snapshot: snapshot) { gathered.put(index, $0) } }
    }

    // MARK: items (one replica read or write, alone or batched)

    private func read(_ request: ReplicaGetRequest, snapshot: ClusterState.Snapshot,
                      completion: @escaping @Sendable (ReplicaItemResult) -> Void) {
        if request.key.bytes.isEmpty { return completion(Self.failure(.invalidArgument, LimitViolation.emptyKey.description)) }
        if let refusal = Self.itemRefusal(key: request.key, partition: request.partition, snapshot: snapshot) {
            return completion(Self.refused(refusal, snapshot: snapshot))
        }
        context.storage.get(StorageKey(partition: request.partition, key: request.key)) { result in
            switch result {
            case let .success(stored): completion(ReplicaItemResult(versionSet: stored))
            case let .failure(error): completion(Self.failure(.internal, "storage read failed: \(error)"))
            }
        }
    }

    private func write(_ request: ReplicaPutRequest, snapshot: ClusterState.Snapshot,
                       completion: @escaping @Sendable (ReplicaItemResult) -> Void) {
        if request.key.bytes.isEmpty { return completion(Self.failure(.invalidArgument, LimitViolation.emptyKey.description)) }
        if let refusal = Self.itemRefusal(key: request.key, partition: request.partition, snapshot: snapshot) {
            return completion(Self.refused(refusal, snapshot: snapshot))
        }
        let incoming: VersionSet
        do {
            incoming = try VersionSet(decoding: request.versionSet)
        } catch {
            return completion(Self.failure(.invalidArgument, "undecodable version set: \(error)"))
        }
        if request.repair { context.metrics.repairsReceived.increment() }
        context.absorbLocal(StorageKey(partition: request.partition, key: request.key), incoming,
                            encoded: request.versionSet) { result in
            switch result {
            case .success: completion(ReplicaItemResult())
            case let .failure(error) where error.kind == .writeFault:
                completion(Self.failure(.unavailable, "\(error)"))
            case let .failure(error): completion(Self.failure(.internal, "storage write failed: \(error)"))
            }
        }
    }

    private static func failure(_ code: StatusCode, _ message: String) -> ReplicaItemResult {
        ReplicaItemResult(code: UInt32(code.rawValue), message: message)
    }

    /// An item refused by ``ReplicaAdmission``: its message names this node's epoch (a batch
    /// item has no trailers of its own).
    private static func refused(_ refusal: ReplicaAdmission.Refusal, snapshot: ClusterState.Snapshot) -> ReplicaItemResult {
        failure(.failedPrecondition, "\(refusal) (this replica's ring epoch: \(snapshot.epochText))")
    }

    /// A single call's error for a failed item; a refusal carries the epoch trailer.
    private static func error(_ result: ReplicaItemResult, snapshot: ClusterState.Snapshot) -> RPCError {
        let code = StatusCode(wireValue: Int(result.code))
        guard code == .failedPrecondition else { return RPCError(code, result.message) }
        var trailers = Metadata()
        trailers.addLowercased(ReplicaAdmission.epochTrailer, snapshot.epochText)
        return RPCError(code, result.message, trailers: trailers)
    }

    private func coordinate(_ call: ServerCall, _ bytes: [UInt8]) {
        guard admit(call) != nil, let request: CoordinateRequest = RequestChecks.decode(call, bytes) else { return }
        let hops = max(1, request.hops)
        switch request.operation {
        case let .get(get):
            guard RequestChecks.valid(call, key: get.key, limits: kv.limits) else { return }
            kv.router.get(call, get, hops: hops, format: .forwarded)
        case let .put(put):
            kv.coordinatePut(call, put, hops: hops, format: .forwarded)
        case let .delete(delete):
            kv.coordinateDelete(call, delete, hops: hops, format: .forwarded)
        }
    }

    private func identify(_ call: ServerCall, _ bytes: [UInt8]) {
        guard authorization.admitsPeer(call), let _: IdentifyRequest = RequestChecks.decode(call, bytes) else { return }
        let state = context.state
        guard !state.me.peerAddress.isEmpty else {
            // Still binding: answering now would advertise a member without addresses.
            return call.fail(RPCError(.unavailable, "the node is still starting"))
        }
        let snapshot = state.snapshot
        let caller = call.head.metadata[PeerClient.fromHeader].flatMap(NodeID.init)
        let clusterID = snapshot?.clusterID ?? state.proposedClusterID
        let secret = snapshot?.secret ?? state.proposedSecret
        call.respond(IdentifyResponse(member: state.me, clusterID: clusterID,
                                      partitionCount: UInt32(state.configuration.partitionCount),
                                      clusterSecret: secret, ringEpoch: snapshot?.ring.epoch ?? 0,
                                      callerIsMember: caller.map { snapshot?.member($0) != nil } ?? false).encodeFramed())
    }
}

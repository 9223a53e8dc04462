public import GyreCore
public import GyreModel
public import GyreRPC
import GyreStorage

/// The replica side of the pipeline: what a node does with `Replica.Get`, `Put`, `Batch` and
/// `Coordinate` once its transport has authenticated the caller.
///
/// Contract: ``admit(_:)`` comes first for every call: the cluster must have formed (UNAVAILABLE),
/// and the call must name this node and a ring epoch not older than this node's
/// (``ReplicaAdmission``). Each Get and Put item is then checked on its own: an empty key is
/// INVALID_ARGUMENT, a key outside its named partition or a partition this node does not hold
/// FAILED_PRECONDITION; every refusal of either kind carries this node's epoch (a trailer on a
/// call, the message of a batch item), and nothing is read or written. Put merges (never refused
/// for size: caps apply to client writes only). A batch of more than
/// ``ReplicaBatchRequest/maxItems`` items is RESOURCE_EXHAUSTED before any item runs; its items
/// run at once and its answer goes when the last one completed. Coordinate routes the client
/// request it carries as this node's own (hops at least 1, so it is never forwarded again).
public struct ReplicaHandler<Versioning: ReplicaVersioning>: Sendable {
    public let context: PipelineContext<Versioning>
    public let router: RequestRouter<Versioning>

    public init(context: PipelineContext<Versioning>) {
        self.context = context
        router = RequestRouter(context: context)
    }

    /// Who a call is meant for and the epoch of the ring it was routed by (`gyre-to`,
    /// `gyre-ring-epoch`; nil or 0 when absent).
    public struct CallHeader: Sendable {
        public var target: NodeID?
        public var senderEpoch: UInt64

        public init(target: NodeID?, senderEpoch: UInt64) {
            self.target = target
            self.senderEpoch = senderEpoch
        }
    }

    /// The view the call may act under, or why it is refused.
    public func admit(_ header: CallHeader) -> Result<ClusterView, RPCError> {
        guard let view = context.view else { return .failure(RPCError(.unavailable, "the cluster is still forming")) }
        if let refusal = ReplicaAdmission.checkCall(target: header.target, senderEpoch: header.senderEpoch, me: context.me,
                                                    replicaEpoch: view.ring.epoch) {
            return .failure(Self.refusalError("\(refusal)", view: view))
        }
        return .success(view)
    }

    public func get(_ request: ReplicaGetRequest, view: ClusterView,
                    completion: @escaping @Sendable (Result<ReplicaGetResponse, RPCError>) -> Void) {
        read(request, view: view) { result in
            completion(result.isOK ? .success(ReplicaGetResponse(versionSet: result.versionSet))
                                   : .failure(Self.error(result, view: view)))
        }
    }

    public func put(_ request: ReplicaPutRequest, view: ClusterView,
                    completion: @escaping @Sendable (Result<ReplicaPutResponse, RPCError>) -> Void) {
        write(request, view: view) { result in
            completion(result.isOK ? .success(ReplicaPutResponse()) : .failure(Self.error(result, view: view)))
        }
    }

    public func batch(_ request: ReplicaBatchRequest, view: ClusterView,
                      completion: @escaping @Sendable (Result<ReplicaBatchResponse, RPCError>) -> Void) {
        guard request.count <= ReplicaBatchRequest.maxItems else {
            return completion(.failure(RPCError(.resourceExhausted, "a batch of \(request.count) items: the limit is \(ReplicaBatchRequest.maxItems); send them in smaller batches or one by one")))
        }
        let gathered = BatchResults(gets: request.gets.count, puts: request.puts.count) { completion(.success($0)) }
        for (index, item) in request.gets.enumerated() { read(item, view: view) { gathered.get(index, $0) } }
        for (index, item) in request.puts.enumerated() { write(item, view: view) { gathered.put(index, $0) } }
    }

    /// Keeps versions for an unreachable replica (see `Replica.HintPut`); a node that is itself one
    /// of the key's replicas merges them into its own copy instead. A hint past the owner's caps
    /// (``HintLimits``) is refused RESOURCE_EXHAUSTED, counted, and its partition recorded as
    /// needing a full repair.
    public func hintPut(_ request: HintPutRequest, view: ClusterView,
                        completion: @escaping @Sendable (Result<HintPutResponse, RPCError>) -> Void) {
        if request.key.bytes.isEmpty { return completion(.failure(RPCError(.invalidArgument, LimitViolation.emptyKey.description))) }
        let replicas = view.ring.preferenceList(partition: Int(request.partition) % view.ring.partitionCount, n: view.replication)
        if let refusal = ReplicaAdmission.checkHint(key: request.key, partition: request.partition, owner: request.owner,
                                                    replicas: replicas, partitionCount: view.ring.partitionCount,
                                                    epoch: view.ring.epoch) {
            return completion(.failure(Self.refusalError("\(refusal) (this node's ring epoch: \(view.epochText))", view: view)))
        }
        let incoming: Versioning.Version
        do {
            incoming = try context.versioning.decode(request.versionSet)
        } catch {
            return completion(.failure(RPCError(.invalidArgument, "undecodable version set: \(error)")))
        }
        let key = StorageKey(partition: request.partition, key: request.key)
        let done: @Sendable (Result<Void, StorageError>) -> Void = { result in
            switch result {
            case .success: completion(.success(HintPutResponse()))
            case let .failure(error) where error.kind == .writeFault: completion(.failure(RPCError(.unavailable, "\(error)")))
            case let .failure(error): completion(.failure(RPCError(.internal, "storage write failed: \(error)")))
            }
        }
        if replicas.contains(context.me) {
            return context.absorbLocal(key, incoming, encoded: request.versionSet, completion: done)
        }
        if let hit = context.hintBacklog.check(owner: request.owner, adding: request.versionSet.count, now: context.now()) {
            context.metrics.hintCapHits.increment()
            context.recordRepairNeeded(partition: request.partition)
            return completion(.failure(RPCError(.resourceExhausted, "no hint kept for \(request.owner): \(hit); partition "
                                                + "\(request.partition) is recorded as needing a full repair")))
        }
        context.metrics.hintsStored.increment()
        context.storeHint(for: request.owner, key, incoming, encoded: request.versionSet, completion: done)
    }

    public func coordinate(_ request: CoordinateRequest, responder: any KVResponder) {
        let hops = max(1, request.hops)
        switch request.operation {
        case let .get(get): router.get(get, hops: hops, responder: responder)
        case let .put(put): router.put(put, hops: hops, responder: responder)
        case let .delete(delete): router.delete(delete, hops: hops, responder: responder)
        }
    }

    // MARK: items (one replica read or write, alone or batched)

    private func read(_ request: ReplicaGetRequest, view: ClusterView, completion: @escaping @Sendable (ReplicaItemResult) -> Void) {
        if request.fromHints { return readHints(request, view: view, completion: completion) }
        if let refused = refusal(key: request.key, partition: request.partition, view: view) { return completion(refused) }
        context.storage.get(StorageKey(partition: request.partition, key: request.key)) { result in
            switch result {
            case let .success(stored): completion(ReplicaItemResult(versionSet: stored))
            case let .failure(error): completion(Self.failure(.internal, "storage read failed: \(error)"))
            }
        }
    }

    private func write(_ request: ReplicaPutRequest, view: ClusterView, completion: @escaping @Sendable (ReplicaItemResult) -> Void) {
        if let refused = refusal(key: request.key, partition: request.partition, view: view) { return completion(refused) }
        let incoming: Versioning.Version
        do {
            incoming = try context.versioning.decode(request.versionSet)
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

    /// A fallback's read: the merge of the hints this node holds for the key, for any of its replicas.
    private func readHints(_ request: ReplicaGetRequest, view: ClusterView,
                           completion: @escaping @Sendable (ReplicaItemResult) -> Void) {
        if request.key.bytes.isEmpty { return completion(Self.failure(.invalidArgument, LimitViolation.emptyKey.description)) }
        if let refusal = ReplicaAdmission.checkHint(key: request.key, partition: request.partition, owner: nil, replicas: [],
                                                    partitionCount: view.ring.partitionCount, epoch: view.ring.epoch) {
            return completion(Self.failure(.failedPrecondition, "\(refusal) (this replica's ring epoch: \(view.epochText))"))
        }
        context.metrics.hintReads.increment()
        let owners = view.ring.preferenceList(partition: Int(request.partition), n: view.replication)
        let versioning = context.versioning
        context.readHints(StorageKey(partition: request.partition, key: request.key), owners: owners[...]) { result in
            switch result {
            case let .success(merged): completion(ReplicaItemResult(versionSet: merged.map(versioning.encode)))
            case let .failure(error): completion(Self.failure(.internal, "storage read failed: \(error)"))
            }
        }
    }

    /// Why an item may not be read or written here, as its result; nil when it may.
    private func refusal(key: Key, partition: UInt32, view: ClusterView) -> ReplicaItemResult? {
        if key.bytes.isEmpty { return Self.failure(.invalidArgument, LimitViolation.emptyKey.description) }
        let held = view.held
        guard let refusal = ReplicaAdmission.checkItem(key: key, partition: partition, partitionCount: view.ring.partitionCount,
                                                       epoch: view.ring.epoch, holds: { held[$0] }) else { return nil }
        return Self.failure(.failedPrecondition, "\(refusal) (this replica's ring epoch: \(view.epochText))")
    }

    private static func failure(_ code: StatusCode, _ message: String) -> ReplicaItemResult {
        ReplicaItemResult(code: UInt32(code.rawValue), message: message)
    }

    /// A single call's error for a failed item; a refusal carries the epoch trailer.
    private static func error(_ result: ReplicaItemResult, view: ClusterView) -> RPCError {
        let code = StatusCode(wireValue: Int(result.code))
        guard code == .failedPrecondition else { return RPCError(code, result.message) }
        return refusalError(result.message, view: view)
    }

    private static func refusalError(_ message: String, view: ClusterView) -> RPCError {
        var trailers = Metadata()
        trailers.addLowercased(ReplicaAdmission.epochTrailer, view.epochText)
        return RPCError(.failedPrecondition, message, trailers: trailers)
    }
}

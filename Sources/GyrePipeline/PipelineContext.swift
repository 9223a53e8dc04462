public import GyreCore
public import GyreModel
import GyreRPC
public import GyreStorage

/// What every request of one node's pipeline shares: who the node is, its storage, its view of
/// the cluster, its ports (scheduler, replica transport), its timers, counters and versioning.
///
/// Contract: thread-safe. Local storage calls complete through callbacks (a blocking engine
/// answers from its own threads, never blocking the caller; the in-memory engine answers
/// inline; the simulation's engine later, from its event queue). Remote replica calls go through
/// one ``ReplicaBatcher``.
public final class PipelineContext<Versioning: ReplicaVersioning>: Sendable {
    public typealias Version = Versioning.Version

    public let me: NodeID
    public let storage: any StorageEngine
    public let metrics: PipelineMetrics
    public let views: any ClusterViewSource
    public let scheduler: any Scheduler
    public let timing: CoordinatorTiming
    public let versioning: Versioning
    /// Key and value limits of client requests.
    public let limits: KVLimits
    /// Which members the failure detector sees as down.
    public let liveness: any MemberLiveness
    /// The hints this node holds, per owner, and their caps.
    public let hintBacklog: HintBacklog
    /// The actor of writes this node coordinates for keys it does not replicate.
    public let fallbackActor: FallbackActor
    /// Members that recently let a call time out (routed around for a while).
    public let unresponsive: UnresponsivePeers
    let timers: CoordinatorTimers
    let transport: any ReplicaTransport
    private let batcher: ReplicaBatcher

    public init(me: NodeID, storage: any StorageEngine, metrics: PipelineMetrics, views: any ClusterViewSource,
                scheduler: any Scheduler, transport: any ReplicaTransport, timing: CoordinatorTiming,
                versioning: Versioning, limits: KVLimits, liveness: any MemberLiveness = EveryoneUp(),
                hintLimits: HintLimits = HintLimits(), unresponsive: UnresponsivePeers = UnresponsivePeers()) {
        self.me = me
        self.storage = storage
        self.metrics = metrics
        self.views = views
        self.scheduler = scheduler
        self.transport = transport
        self.timing = timing
        self.versioning = versioning
        self.limits = limits
        self.liveness = liveness
        hintBacklog = HintBacklog(limits: hintLimits)
        self.unresponsive = unresponsive
        fallbackActor = FallbackActor(node: me, storage: storage)
        timers = CoordinatorTimers(scheduler: scheduler)
        batcher = ReplicaBatcher(scheduler: scheduler, transport: transport, batchesSent: metrics.replicaBatches)
    }

    var view: ClusterView? { views.currentView }

    /// Members to route around now: those the failure detector holds suspect or dead, and those
    /// that recently let a call time out.
    func downMembers() -> Set<NodeID> {
        let detected = liveness.downMembers()
        let timedOut = unresponsive.current(now: now())
        return timedOut.isEmpty ? detected : detected.union(timedOut)
    }

    /// Notes how a call to `node` that was given until `deadline` (from `started`) ended: a
    /// timeout after at least the attempt timeout marks it unresponsive, an answer clears it.
    func noteCall(to node: NodeID, started: UInt64, deadline: UInt64, failure: PeerFailure?) {
        guard let failure else { return unresponsive.markAnswered(node) }
        if failure.error.code == .deadlineExceeded, !failure.notProcessed, deadline &- started >= timing.attemptTimeout {
            unresponsive.markTimedOut(node, now: now())
        }
    }

    func now() -> UInt64 { scheduler.now() }

    /// Runs `body(now)` at `deadline` unless cancelled first.
    @discardableResult
    func schedule(at deadline: UInt64, _ body: @escaping @Sendable (UInt64) -> Void) -> CoordinatorTimers.Token {
        timers.schedule(at: deadline, body)
    }

    func cancelTimer(_ token: CoordinatorTimers.Token) { timers.cancel(token) }

    /// Nanoseconds left before `deadline` (nil without one; 0 when passed).
    func remaining(before deadline: UInt64?) -> UInt64? {
        timing.remaining(now: now(), clientDeadline: deadline)
    }

    // MARK: local replica

    func decode(_ bytes: [UInt8], of key: Key) -> Result<Version, StorageError> {
        do {
            return .success(try versioning.decode(bytes))
        } catch {
            return .failure(StorageError("stored versions of \(key) are unreadable: \(error)"))
        }
    }

    func readLocal(_ key: StorageKey, completion: @escaping @Sendable (Result<Version?, StorageError>) -> Void) {
        storage.get(key) { [self] result in
            completion(result.flatMap { bytes in
                guard let bytes else { return .success(nil) }
                return decode(bytes, of: key.key).map { $0 }
            })
        }
    }

    /// Merges `incoming` into this node's versions of `key` (a replica write or a repair).
    /// `encoded`, when given, is `incoming`'s encoding: stored as it is when the key is new here.
    func absorbLocal(_ key: StorageKey, _ incoming: Version, encoded: [UInt8]? = nil,
                     completion: @escaping @Sendable (Result<Void, StorageError>) -> Void) {
        let versioning = self.versioning
        storage.update(key, { [self] old throws(StorageError) in
            guard let old else { return encoded ?? versioning.encode(incoming) }
            let current = try decode(old, of: key.key).get()
            return versioning.encode(versioning.absorb(current: current, incoming: incoming))
        }, completion: { result in completion(result.map { _ in () }) })
    }

    /// Keeps `incoming` for `owner` (a replica that could not be reached), merged with any hint
    /// already held for it and `key`: a fallback's copy, durable under the engine's sync policy.
    func storeHint(for owner: NodeID, _ key: StorageKey, _ incoming: Version, encoded: [UInt8],
                   completion: @escaping @Sendable (Result<Void, StorageError>) -> Void) {
        let versioning = self.versioning
        let change = SizeChange()
        storage.update(.hint(owner: owner, for: key), { [self] old throws(StorageError) in
            guard let old else {
                change.record(old: nil, new: encoded.count)
                return encoded
            }
            let current = try decode(old, of: key.key).get()
            let merged = versioning.encode(versioning.absorb(current: current, incoming: incoming))
            change.record(old: old.count, new: merged.count)
            return merged
        }, completion: { [self] result in
            if case .success = result, let sizes = change.value {
                hintBacklog.record(owner: owner, oldBytes: sizes.old, newBytes: sizes.new, now: now())
            }
            completion(result.map { _ in () })
        })
    }

    /// Deletes the hint for `owner` and `key` if it still holds exactly `delivered` (a hint that
    /// grew meanwhile stays, for the next delivery).
    func deleteHint(for owner: NodeID, _ key: StorageKey, delivered: [UInt8],
                    completion: @escaping @Sendable (Result<Bool, StorageError>) -> Void) {
        let change = SizeChange()
        storage.update(.hint(owner: owner, for: key), { old throws(StorageError) in
            guard let old else { return nil }
            guard old == delivered else {
                // Thrown so that nothing is written; recorded as "kept".
                change.record(old: old.count, new: old.count)
                throw StorageError("the hint grew since it was delivered: kept")
            }
            change.record(old: old.count, new: nil)
            return nil
        }, completion: { [self] result in
            switch (result, change.value) {
            case (.success, let sizes?):
                hintBacklog.record(owner: owner, oldBytes: sizes.old, newBytes: nil, now: now())
                completion(.success(true))
            case (.success, nil):
                completion(.success(false))
            case let (.failure(error), sizes):
                if let sizes, sizes.new != nil { return completion(.success(false)) }
                completion(.failure(error))
            }
        })
    }

    /// Records that `partition` needs a full repair (a hint for it was refused by a cap).
    func recordRepairNeeded(partition: UInt32) {
        storage.update(.repairNeeded(partition: partition), { _ in [1] }, completion: { _ in })
    }

    /// The merge of the hints this node holds for `key`, for any of `owners`; nil when none.
    func readHints(_ key: StorageKey, owners: ArraySlice<NodeID>, merged: Version? = nil,
                   completion: @escaping @Sendable (Result<Version?, StorageError>) -> Void) {
        guard let owner = owners.first else { return completion(.success(merged)) }
        storage.get(.hint(owner: owner, for: key)) { [self] result in
            switch result {
            case let .failure(error):
                completion(.failure(error))
            case .success(nil):
                readHints(key, owners: owners.dropFirst(), merged: merged, completion: completion)
            case let .success(bytes?):
                switch decode(bytes, of: key.key) {
                case let .failure(error): completion(.failure(error))
                case let .success(hint):
                    let next = merged.map { versioning.absorb(current: $0, incoming: hint) } ?? hint
                    readHints(key, owners: owners.dropFirst(), merged: next, completion: completion)
                }
            }
        }
    }

    // MARK: remote replicas

    /// Reads `node`'s versions of `key` (`fromHints`: the hints it holds for the key instead).
    func readRemote(_ node: NodeID, key: StorageKey, fromHints: Bool = false, deadline: UInt64,
                    completion: @escaping @Sendable (Result<Version?, PeerFailure>) -> Void) {
        guard let view, let member = view.member(node) else {
            return completion(.failure(PeerFailure(RPCError(.unavailable, "unknown member \(node)"), notProcessed: true)))
        }
        metrics.replicaCalls.increment()
        let request = ReplicaGetRequest(key: key.key, partition: key.partition, fromHints: fromHints)
        let started = now()
        batcher.get(member, epoch: view.ring.epoch, request, deadline: deadline) { [self] result in
            noteCall(to: node, started: started, deadline: deadline, failure: result.failure)
            switch result {
            case let .success(response):
                guard let bytes = response.versionSet else { return completion(.success(nil)) }
                do {
                    completion(.success(try versioning.decode(bytes)))
                } catch {
                    metrics.replicaFailures.increment()
                    completion(.failure(PeerFailure(RPCError(.internal, "bad versions from \(node): \(error)"), notProcessed: false)))
                }
            case let .failure(failure):
                metrics.replicaFailures.increment()
                completion(.failure(failure))
            }
        }
    }

    /// Sends encoded versions to `node`'s Replica.Put.
    func writeRemote(_ node: NodeID, key: StorageKey, encoded: [UInt8], repair: Bool, deadline: UInt64,
                     completion: @escaping @Sendable (Bool) -> Void) {
        guard let view, let member = view.member(node) else { return completion(false) }
        metrics.replicaCalls.increment()
        let request = ReplicaPutRequest(key: key.key, partition: key.partition, versionSet: encoded, repair: repair)
        let started = now()
        batcher.put(member, epoch: view.ring.epoch, request, deadline: deadline) { [self] result in
            noteCall(to: node, started: started, deadline: deadline, failure: result.failure)
            if case .failure = result { metrics.replicaFailures.increment() }
            completion((try? result.get()) != nil)
        }
    }

    /// Sends encoded versions to fallback `node`'s Replica.HintPut, to keep for `owner`.
    func hintRemote(_ node: NodeID, owner: NodeID, key: StorageKey, encoded: [UInt8], deadline: UInt64,
                    completion: @escaping @Sendable (Bool) -> Void) {
        guard let view, let member = view.member(node) else { return completion(false) }
        metrics.replicaCalls.increment()
        metrics.hintsSent.increment()
        let request = HintPutRequest(key: key.key, partition: key.partition, versionSet: encoded, owner: owner)
        let started = now()
        transport.hintPut(member, epoch: view.ring.epoch, request, deadline: deadline) { [self] result in
            noteCall(to: node, started: started, deadline: deadline, failure: result.failure)
            if case .failure = result { metrics.replicaFailures.increment() }
            completion((try? result.get()) != nil)
        }
    }

    /// The deadline of one replica call started now, within a wait that ends at `waitDeadline`.
    func attemptDeadline(within waitDeadline: UInt64) -> UInt64 {
        timing.attemptDeadline(now: now(), waitDeadline: waitDeadline)
    }

    /// Read repair: hands `versions` to `node` (this node: directly), without waiting.
    func repair(_ node: NodeID, key: StorageKey, versions: Version) {
        if node == me { return absorbLocal(key, versions) { _ in } }
        writeRemote(node, key: key, encoded: versioning.encode(versions), repair: true,
                    deadline: now() &+ timing.replicaTimeout) { _ in }
    }
}

extension Result {
    /// The failure, if any.
    var failure: Failure? {
        if case let .failure(failure) = self { return failure }
        return nil
    }
}

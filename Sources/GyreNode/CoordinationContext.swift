import GyreCore
import GyreModel
import GyreRPC
import GyreStorage
import GyreWire
import NIOCore
import Synchronization

/// What every coordinated request of one node shares: who the node is, its storage, its peers,
/// its metrics, its timers. The I/O half of the request pipeline; the decisions are GyreCore's.
///
/// Contract: thread-safe. Local storage calls complete through callbacks: a blocking engine
/// (RocksDB) answers from its own threads, never blocking an event loop; the in-memory engine
/// answers inline.
final class CoordinationContext: Sendable {
    let me: NodeID
    let storage: any StorageEngine
    let metrics: NodeMetrics
    let state: ClusterState
    let group: any EventLoopGroup
    let timing: CoordinatorTiming
    let writeLimits: VersionSetLimits
    private let peerClient: SharedPeerClient
    private let batcher: ReplicaBatcher
    let timers: CoordinatorTimers

    init(state: ClusterState, storage: any StorageEngine, metrics: NodeMetrics, group: any EventLoopGroup,
         peers: PeerClient, timing: CoordinatorTiming, writeLimits: VersionSetLimits) {
        me = state.me.id
        self.state = state
        self.storage = storage
        self.metrics = metrics
        self.group = group
        self.timing = timing
        self.writeLimits = writeLimits
        let peerClient = SharedPeerClient(peers)
        self.peerClient = peerClient
        batcher = ReplicaBatcher(fallbackLoop: group.next(), batchesSent: metrics.replicaBatches,
                                 peers: { peerClient.value })
        timers = CoordinatorTimers(loop: group.next())
    }

    var peers: PeerClient { peerClient.value }

    /// Peer calls carry the agreed cluster id from now on.
    func joined(_ clusterID: ClusterID) {
        peerClient.replace { $0.joined(clusterID, selfID: me) }
    }

    func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// Runs `body(now)` at `deadline` unless cancelled first (one node-wide timer).
    @discardableResult
    func schedule(at deadline: UInt64, _ body: @escaping @Sendable (UInt64) -> Void) -> CoordinatorTimers.Token {
        timers.schedule(at: deadline, body)
    }

    func cancelTimer(_ token: CoordinatorTimers.Token) { timers.cancel(token) }

    // MARK: local replica (the engine's asynchronous forms: blocking engines answer from their
    // own threads, the in-memory engine inline)

    func readLocal(_ key: StorageKey, completion: @escaping @Sendable (Result<VersionSet?, StorageError>) -> Void) {
        storage.get(key) { result in
            completion(result.flatMap { bytes in
                guard let bytes else { return .success(nil) }
                do {
                    return .success(try VersionSet(decoding: bytes))
                } catch {
                    return .failure(StorageError("stored versions of \(key.key) are unreadable: \(error)"))
                }
            })
        }
    }

    /// Merges `incoming` into this node's versions of `key` (a replica write or a repair).
    /// `encoded`, when given, is `incoming`'s encoding: stored as it is when the key is new here.
    func absorbLocal(_ key: StorageKey, _ incoming: VersionSet, encoded: [UInt8]? = nil,
                     completion: @escaping @Sendable (Result<Void, StorageError>) -> Void) {
        storage.update(key, { old throws(StorageError) in
            guard let old else { return encoded ?? incoming.encode() }
            let current: VersionSet
            do {
                current = try VersionSet(decoding: old)
            } catch {
                throw StorageError("stored versions of \(key.key) are unreadable: \(error)")
            }
            return ReplicaLogic.absorb(current: current, incoming: incoming).encode()
        }, completion: { result in completion(result.map { _ in () }) })
    }

    // MARK: remote replicas

    func readRemote(_ node: NodeID, key: StorageKey, deadline: UInt64,
                    completion: @escaping @Sendable (Result<VersionSet?, PeerFailure>) -> Void) {
        guard let snapshot = state.snapshot, let member = snapshot.member(node) else {
            return completion(.failure(PeerFailure(RPCError(.unavailable, "unknown member \(node)"), notProcessed: true)))
        }
        metrics.replicaCalls.increment()
        let request = ReplicaGetRequest(key: key.key, partition: key.partition)
        batcher.get(member, epoch: snapshot.ring.epoch, request, deadline: deadline) { [metrics] result in
            switch result {
            case let .success(response):
                guard let bytes = response.versionSet else { return completion(.success(nil)) }
                do {
                    completion(.success(try VersionSet(decoding: bytes)))
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
        guard let snapshot = state.snapshot, let member = snapshot.member(node) else { return completion(false) }
        metrics.replicaCalls.increment()
        let request = ReplicaPutRequest(key: key.key, partition: key.partition, versionSet: encoded, repair: repair)
        batcher.put(member, epoch: snapshot.ring.epoch, request, deadline: deadline) { [metrics] result in
            if case .failure = result { metrics.replicaFailures.increment() }
            completion((try? result.get()) != nil)
        }
    }

    /// Read repair: hands `versions` to `node` (this node: directly), without waiting.
    func repair(_ node: NodeID, key: StorageKey, versions: VersionSet) {
        if node == me { return absorbLocal(key, versions) { _ in } }
        writeRemote(node, key: key, encoded: versions.encode(), repair: true,
                    deadline: now() &+ timing.replicaTimeout) { _ in }
    }
}

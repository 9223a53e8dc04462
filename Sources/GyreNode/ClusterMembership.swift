import GyreCore
import GyreModel
import GyreStorage
import Logging
import Synchronization

/// The one owner of what a node knows of its cluster: its identity (from its store), the
/// cluster's id and secret, the ring and its members' data. Everything else reads the published
/// ``ClusterState``.
///
/// Contract: thread-safe; ``adopt(ring:clusterID:secret:)`` is the only way a ring is installed,
/// one at a time: it checks the ring against the one installed (or, before any, the one stored)
/// by ``RingInstall``'s rules and against the stored cluster id and secret, records it durably,
/// and only then publishes it. A ring it could not record is never served; a refused ring
/// changes nothing.
final class ClusterMembership: Sendable {
    let state: ClusterState
    let identity: NodeIdentity
    private let storage: any StorageEngine
    private let logger: Logger
    /// The ring recorded last (stored at start, then each adopted one) and its members version.
    private let recorded: Mutex<(ring: Ring?, membersVersion: UInt64)>

    init(state: ClusterState, identity: NodeIdentity, storage: any StorageEngine, logger: Logger) {
        self.logger = logger
        self.state = state
        self.identity = identity
        self.storage = storage
        recorded = Mutex((identity.ring.flatMap { try? $0.ring() }, identity.ring?.membersVersion ?? 0))
    }

    /// Checks, records, then publishes `ring` for cluster `clusterID` with `secret`. Returns
    /// false when this exact ring was already installed (nothing to do).
    @discardableResult
    func adopt(ring: Ring, clusterID: ClusterID, secret: ClusterSecret) throws(MembershipError) -> Bool {
        try recorded.withLock { recorded throws(MembershipError) -> Bool in
            if let stored = identity.clusterID, stored != clusterID {
                throw MembershipError("this node's data directory belongs to cluster \(stored), but the ring offered is of cluster \(clusterID): refusing to mix clusters (start it with an empty --data-dir to make a new node)")
            }
            if let stored = recorded.ring, Set(stored.members.map(\.id)) != Set(ring.members.map(\.id)) {
                // Claiming a new ring over stored data would strand it on the wrong nodes.
                throw MembershipError("the members differ from this node's stored ring (\(stored.members.count) members, now \(ring.members.count)): a changed member list would move keys without moving their data; membership changes need join/leave")
            }
            if let stored = identity.secret, stored != secret {
                // The contexts this cluster issued were sealed under the stored secret.
                throw MembershipError("the ring offered for cluster \(clusterID) comes with another cluster secret than this node's store holds: a member's data directory was replaced or damaged")
            }
            let published = state.currentView != nil
            let decision = RingInstall.decide(installed: recorded.ring, membersVersion: recorded.membersVersion, proposed: ring)
            let membersVersion: UInt64
            switch decision {
            case let .refuse(refusal):
                throw MembershipError("\(refusal)")
            case .unchanged:
                if published { return false }
                membersVersion = recorded.membersVersion
            case let .install(version):
                membersVersion = version
            }
            let view = state.view(ring: ring, clusterID: clusterID, secret: secret, membersVersion: membersVersion)
            // Durable first, then used.
            do {
                try NodeIdentity.record(ring: view.ringInfo, clusterID: clusterID, secret: secret, in: storage)
            } catch {
                throw MembershipError("cannot record the ring in the store, so it is not used: \(error)")
            }
            recorded = (ring, membersVersion)
            state.publish(view)
            logger.info("ring installed", metadata: [
                "ring.epoch": "\(ring.epoch)", "ring.members": "\(ring.members.count)",
                "ring.partitions": "\(ring.partitionCount)", "cluster.id": "\(clusterID)",
            ])
            return true
        }
    }
}

/// Why a ring could not be adopted; the message is for the operator.
struct MembershipError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

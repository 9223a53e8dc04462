import GyreCore
import GyreModel
import Synchronization

/// What a node knows of its cluster: who it is, the cluster's id and secret, and the current ring.
///
/// Contract: thread-safe. The ring is an immutable value replaced as a whole, only by
/// ``ClusterMembership`` (after recording it); readers take the current snapshot and use it for
/// the whole request. Until the cluster has formed there is no ring and client requests answer
/// UNAVAILABLE. The cluster id and secret are published together with the first ring, and every
/// context the node issues or accepts goes through the snapshot's ``Snapshot/seal``.
final class ClusterState: Sendable {
    /// This node as the ring sees it (its addresses are filled in once its listeners are bound).
    var me: Member { myself.withLock { $0 } }
    private let myself: Mutex<Member>
    /// The cluster id this node proposes when it creates the cluster (or was told).
    let proposedClusterID: ClusterID
    /// The cluster secret this node proposes with its cluster id.
    let proposedSecret: ClusterSecret
    let configuration: ClusterConfiguration
    private let current = Mutex<Snapshot?>(nil)

    /// Everything a request routes by, taken at once.
    struct Snapshot: Sendable {
        let ring: Ring
        let clusterID: ClusterID
        /// `clusterID` as peers send it (`gyre-cluster-id`), made once: every peer call compares it.
        let clusterIDText: String
        /// The cluster's secret (Identify answers it to peers).
        let secret: ClusterSecret
        /// Seals the contexts this node hands out and opens the ones clients send back: the only
        /// place a context is made or read.
        let seal: ContextSeal
        /// N for this cluster size: min(--replicas, members).
        let replication: Int
        let configuration: ClusterConfiguration
        /// For each partition, whether this node is one of its N replicas at this ring's epoch.
        let held: [Bool]
        /// The ring's epoch as peers send it (`gyre-ring-epoch`).
        let epochText: String
        /// The version of the members' addresses, names and weights (the epoch versions placement).
        let membersVersion: UInt64

        func member(_ id: NodeID) -> Member? { ring.member(id) }

        init(ring: Ring, clusterID: ClusterID, secret: ClusterSecret, configuration: ClusterConfiguration, me: NodeID,
             membersVersion: UInt64) {
            self.ring = ring
            self.membersVersion = membersVersion
            replication = min(configuration.replication, ring.members.count)
            held = ring.heldPartitions(by: me, replication: replication)
            epochText = String(ring.epoch)
            self.clusterID = clusterID
            clusterIDText = clusterID.description
            self.secret = secret
            seal = ContextSeal(clusterID: clusterID, secret: secret)
            self.configuration = configuration
        }
    }

    init(me: Member, proposedClusterID: ClusterID, proposedSecret: ClusterSecret, configuration: ClusterConfiguration) {
        myself = Mutex(me)
        self.proposedClusterID = proposedClusterID
        self.proposedSecret = proposedSecret
        self.configuration = configuration
    }

    var snapshot: Snapshot? { current.withLock { $0 } }

    /// Records the addresses this node's listeners were bound to.
    func bound(clientAddress: String, peerAddress: String) {
        myself.withLock {
            $0.clientAddress = clientAddress
            $0.peerAddress = peerAddress
        }
    }

    /// Publishes `snapshot` (``ClusterMembership`` calls it, after recording it).
    func publish(_ snapshot: Snapshot) {
        current.withLock { $0 = snapshot }
    }
}

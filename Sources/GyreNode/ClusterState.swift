import GyreModel
import Synchronization

/// What a node knows of its cluster: who it is, the cluster's id, and the current ring.
///
/// Contract: thread-safe. The ring is an immutable value replaced as a whole (later by gossip);
/// readers take the current snapshot and use it for the whole request. Until the cluster has
/// formed there is no ring and client requests answer UNAVAILABLE.
final class ClusterState: Sendable {
    /// This node as the ring sees it (its addresses are filled in once its listeners are bound).
    var me: Member { myself.withLock { $0 } }
    private let myself: Mutex<Member>
    /// The cluster id this node proposes when it creates the cluster (or was told).
    let proposedClusterID: ClusterID
    let configuration: ClusterConfiguration
    private let current = Mutex<Snapshot?>(nil)

    /// Everything a request routes by, taken at once.
    struct Snapshot: Sendable {
        let ring: Ring
        let clusterID: ClusterID
        /// `clusterID` as peers send it (`gyre-cluster-id`), made once: every peer call compares it.
        let clusterIDText: String
        /// N for this cluster size: min(--replicas, members).
        var replication: Int { min(configuration.replication, ring.members.count) }
        let configuration: ClusterConfiguration

        func member(_ id: NodeID) -> Member? { ring.member(id) }
    }

    init(me: Member, proposedClusterID: ClusterID, configuration: ClusterConfiguration) {
        myself = Mutex(me)
        self.proposedClusterID = proposedClusterID
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

    func install(ring: Ring, clusterID: ClusterID) {
        current.withLock { $0 = Snapshot(ring: ring, clusterID: clusterID, clusterIDText: clusterID.description,
                                         configuration: configuration) }
    }
}

import GyreCore
import GyreModel
import GyrePipeline
import Synchronization

/// What a node knows of its cluster: who it is, the cluster's id and secret, and the current
/// ``ClusterView`` (ring, seal, N, held partitions).
///
/// Contract: thread-safe. The view is an immutable value replaced as a whole, only by
/// ``ClusterMembership`` (after recording it); readers take the current view and use it for the
/// whole request. Until the cluster has formed there is no view and client requests answer
/// UNAVAILABLE. The cluster id and secret are published together with the first ring, and every
/// context the node issues or accepts goes through the view's ``ClusterView/seal``.
final class ClusterState: ClusterViewSource {
    /// This node as the ring sees it (its addresses are filled in once its listeners are bound).
    var me: Member { myself.withLock { $0 } }
    private let myself: Mutex<Member>
    /// The cluster id this node proposes when it creates the cluster (or was told).
    let proposedClusterID: ClusterID
    /// The cluster secret this node proposes with its cluster id.
    let proposedSecret: ClusterSecret
    let configuration: ClusterConfiguration
    private let current = Mutex<ClusterView?>(nil)
    /// The open `Cluster/WatchRing` streams: told every view published.
    let watchers = RingWatchers()

    init(me: Member, proposedClusterID: ClusterID, proposedSecret: ClusterSecret, configuration: ClusterConfiguration) {
        myself = Mutex(me)
        self.proposedClusterID = proposedClusterID
        self.proposedSecret = proposedSecret
        self.configuration = configuration
    }

    var currentView: ClusterView? { current.withLock { $0 } }

    /// Records the addresses this node's listeners were bound to.
    func bound(clientAddress: String, peerAddress: String) {
        myself.withLock {
            $0.clientAddress = clientAddress
            $0.peerAddress = peerAddress
        }
    }

    /// The view of `ring` for this node, with this cluster's configuration.
    func view(ring: Ring, clusterID: ClusterID, secret: ClusterSecret, membersVersion: UInt64) -> ClusterView {
        ClusterView(ring: ring, clusterID: clusterID, secret: secret, replicationFactor: configuration.replication,
                    readQuorum: configuration.readQuorum, writeQuorum: configuration.writeQuorum, me: me.id,
                    membersVersion: membersVersion)
    }

    /// Publishes `view` (``ClusterMembership`` calls it, after recording it).
    func publish(_ view: ClusterView) {
        current.withLock { $0 = view }
        watchers.publish(view.ringInfo)
    }
}

public import GyreModel
public import GyreCore

/// Everything a request routes by, taken at once: the ring, the cluster's identity and seal, N
/// and the default quorums, and which partitions this node holds.
///
/// Contract: an immutable value; a node replaces its view as a whole (``ClusterViewSource``) and
/// a request uses the one it took for its whole life.
public struct ClusterView: Sendable {
    public let ring: Ring
    public let clusterID: ClusterID
    /// `clusterID` as peers send it (`gyre-cluster-id`), made once: every peer call compares it.
    public let clusterIDText: String
    /// The cluster's secret (Identify answers it to peers).
    public let secret: ClusterSecret
    /// Seals the contexts this node hands out and opens the ones clients send back: the only
    /// place a context is made or read.
    public let seal: ContextSeal
    /// N for this cluster size: min(the configured N, members).
    public let replication: Int
    /// The configured N (`--replicas`): requests may not ask for more.
    public let replicationFactor: Int
    /// The default R and W (`--read-quorum`, `--write-quorum`).
    public let readQuorum: Int
    public let writeQuorum: Int
    /// For each partition, whether this node is one of its N replicas at this ring's epoch.
    public let held: [Bool]
    /// The ring's epoch as peers send it (`gyre-ring-epoch`).
    public let epochText: String
    /// The version of the members' addresses, names and weights (the epoch versions placement).
    public let membersVersion: UInt64
    /// Each partition's preference list (N nodes), and up to N fallbacks after it on the ring:
    /// walked once per view, so a request only looks them up.
    public let preferenceLists: [[NodeID]]
    public let fallbackLists: [[NodeID]]

    public init(ring: Ring, clusterID: ClusterID, secret: ClusterSecret, replicationFactor: Int, readQuorum: Int,
                writeQuorum: Int, me: NodeID, membersVersion: UInt64) {
        self.ring = ring
        self.clusterID = clusterID
        clusterIDText = clusterID.description
        self.secret = secret
        seal = ContextSeal(clusterID: clusterID, secret: secret)
        self.replicationFactor = replicationFactor
        replication = min(replicationFactor, ring.members.count)
        self.readQuorum = readQuorum
        self.writeQuorum = writeQuorum
        held = ring.heldPartitions(by: me, replication: replication)
        epochText = String(ring.epoch)
        self.membersVersion = membersVersion
        let n = replication
        var preference: [[NodeID]] = []
        var fallbacks: [[NodeID]] = []
        preference.reserveCapacity(ring.partitionCount)
        fallbacks.reserveCapacity(ring.partitionCount)
        for partition in 0..<ring.partitionCount {
            let walk = ring.preferenceList(partition: partition, n: 2 * n)
            preference.append(Array(walk.prefix(n)))
            fallbacks.append(Array(walk.dropFirst(n)))
        }
        preferenceLists = preference
        fallbackLists = fallbacks
    }

    public func member(_ id: NodeID) -> Member? { ring.member(id) }

    /// Where `key` lives under this view (``KeyPlacement``), without walking the ring.
    public func placement(of key: Key) -> KeyPlacement {
        let partition = ring.partition(for: key)
        return KeyPlacement(partition: partition, replicas: preferenceLists[partition])
    }
}

/// Where the pipeline reads the current ``ClusterView``: nil until the cluster has formed.
public protocol ClusterViewSource: Sendable {
    var currentView: ClusterView? { get }
}

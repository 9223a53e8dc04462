import GyreModel
import GyreStorage
import GyreWire

/// What a node keeps about itself in its store's metadata, so that a restart on the same data
/// directory comes back as the same member of the same cluster: its node id, and once the
/// cluster has formed, the cluster id, the cluster secret, Q and the ring.
///
/// Contract: ``load(from:configuration:)`` creates and durably records a new random node id for
/// a store that has none (an empty data directory: a new node never reuses an old actor id), and
/// refuses a store whose recorded cluster contradicts the configuration (`--cluster-id`,
/// `--partitions`), or that records a cluster id without its secret, with a message for the
/// operator. ``record(ring:clusterID:secret:in:)`` is durable before it returns (metadata writes
/// always fsync) and writes the secret before the cluster id, so a store that names its cluster
/// always holds the secret its contexts were sealed under.
struct NodeIdentity: Sendable {
    static let nodeIDName = "node.id"
    static let clusterIDName = "cluster.id"
    static let secretName = "cluster.secret"
    static let ringName = "cluster.ring"
    static let proposalName = "cluster.proposal"
    static let secretProposalName = "cluster.secret_proposal"

    /// This node's id (recorded in the store).
    let nodeID: NodeID
    /// The cluster the store belongs to, once it has been part of one.
    let clusterID: ClusterID?
    /// The last ring this node installed, with its members' ids, weights and addresses.
    let ring: RingInfo?
    /// The cluster id this node proposes at formation: its cluster's id once it has one, else
    /// `--cluster-id`, else a random id drawn once and kept, so a node that restarts before its
    /// cluster formed keeps proposing what the others may already have agreed on.
    let proposal: ClusterID
    /// The cluster's secret, once it has formed (present exactly when `clusterID` is).
    let secret: ClusterSecret?
    /// The secret this node proposes with its cluster id: its cluster's secret once it has one,
    /// else 32 bytes from the system's cryptographic generator, drawn once and kept (as the id).
    let secretProposal: ClusterSecret

    static func load(from storage: any StorageEngine, configuration: ClusterConfiguration) throws(NodeStartError) -> NodeIdentity {
        do {
            let nodeID: NodeID
            if let bytes = try storage.metadata(nodeIDName) {
                guard let stored = NodeID(bytes: bytes) else {
                    throw NodeStartError("the store's node id is unreadable (\(bytes.count) bytes): the data directory is damaged")
                }
                nodeID = stored
            } else {
                var random = SystemRandomNumberGenerator()
                nodeID = NodeID.random(using: &random)
                try storage.setMetadata(nodeIDName, nodeID.bytes)
            }
            var clusterID: ClusterID?
            if let bytes = try storage.metadata(clusterIDName) {
                guard let stored = ClusterID(bytes: bytes) else {
                    throw NodeStartError("the store's cluster id is unreadable: the data directory is damaged")
                }
                clusterID = stored
            }
            var ring: RingInfo?
            if let bytes = try storage.metadata(ringName) {
                do {
                    ring = try RingInfo.decode(bytes)
                } catch {
                    throw NodeStartError("the store's ring is unreadable (\(error)): the data directory is damaged")
                }
            }
            var secret: ClusterSecret?
            if let bytes = try storage.metadata(secretName) {
                guard let stored = ClusterSecret(bytes: bytes) else {
                    throw NodeStartError("the store's cluster secret is unreadable (\(bytes.count) bytes): the data directory is damaged")
                }
                secret = stored
            }
            if clusterID != nil && secret == nil {
                throw NodeStartError("the store names its cluster but holds no cluster secret: the data directory is damaged or was made by an older gyre-node (start the node with an empty --data-dir)")
            }
            if clusterID == nil { secret = nil }  // recorded by a formation cut short: formation records it again
            if let clusterID, let explicit = configuration.clusterID, explicit != clusterID {
                throw NodeStartError("the data directory belongs to cluster \(clusterID), but --cluster-id is \(explicit): refusing to mix clusters (use an empty --data-dir for a node of another cluster)")
            }
            if let ring, Int(ring.partitionCount) != configuration.partitionCount {
                throw NodeStartError("the data directory's cluster has Q=\(ring.partitionCount) partitions, but --partitions is \(configuration.partitionCount): Q is fixed when a cluster is created")
            }
            var proposal: ClusterID
            if let clusterID {
                proposal = clusterID
            } else if let explicit = configuration.clusterID {
                proposal = explicit
            } else if let bytes = try storage.metadata(proposalName), let stored = ClusterID(bytes: bytes) {
                proposal = stored
            } else {
                var random = SystemRandomNumberGenerator()
                proposal = ClusterID.random(using: &random)
                try storage.setMetadata(proposalName, proposal.bytes)
            }
            var secretProposal: ClusterSecret
            if let secret {
                secretProposal = secret
            } else if let bytes = try storage.metadata(secretProposalName), let stored = ClusterSecret(bytes: bytes) {
                secretProposal = stored
            } else {
                var random = SystemRandomNumberGenerator()
                secretProposal = ClusterSecret.random(using: &random)
                try storage.setMetadata(secretProposalName, secretProposal.bytes)
            }
            return NodeIdentity(nodeID: nodeID, clusterID: clusterID, ring: ring, proposal: proposal, secret: secret,
                                secretProposal: secretProposal)
        } catch let error as NodeStartError {
            throw error
        } catch {
            throw NodeStartError("cannot read the node's identity from its store: \(error)")
        }
    }

    /// Records the cluster this node formed or rejoined, durably: the secret first (see the contract).
    static func record(ring: RingInfo, clusterID: ClusterID, secret: ClusterSecret,
                       in storage: any StorageEngine) throws(StorageError) {
        try storage.setMetadata(secretName, secret.bytes)
        try storage.setMetadata(clusterIDName, clusterID.bytes)
        try storage.setMetadata(ringName, ring.encode())
    }
}

/// Why a node cannot start on its store; the message is for the operator.
public struct NodeStartError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// One member of the cluster, as the ring names it.
public struct GyreMember: Sendable, Hashable {
    /// The node id (8-4-4-4-12 hex).
    public var id: String
    public var name: String
    public var weight: Int
    /// Where clients reach it (`HOST:PORT`).
    public var clientAddress: String
    /// Where the other nodes reach it.
    public var peerAddress: String
}

/// The ring a client routes by: Q partitions, their owners and the replication factor N.
///
/// Contract: `owners[p]` indexes `members`; the preference list of a key is its partition's
/// owner, then the owners of the following partitions, skipping repeats, up to N nodes (the
/// rule every node applies; `gyre.v1.RingResponse` documents it for other languages).
public struct GyreRing: Sendable, Equatable {
    public var epoch: UInt64
    public var membersVersion: UInt64
    public var partitionCount: Int
    public var replication: Int
    public var members: [GyreMember]
    public var owners: [Int]
    /// The cluster's id (8-4-4-4-12 hex).
    public var clusterID: String

    /// Partitions each member owns, by member id.
    public var partitionsPerMember: [String: Int] {
        var counts: [String: Int] = [:]
        for owner in owners { counts[members[owner].id, default: 0] += 1 }
        return counts
    }
}

/// How one node's failure detector sees one member.
public struct GyreMemberState: Sendable, Equatable {
    public var member: GyreMember
    /// "alive", "suspect" or "dead".
    public var state: String
    public var incarnation: UInt64
    /// True for the node that answered.
    public var isSelf: Bool
}

/// One node's counters (`Cluster/Stats`), by dotted name.
public struct GyreStats: Sendable, Equatable {
    public var nodeID: String
    public var counters: [String: UInt64]
    /// The counter `name`, 0 when the node has none.
    public subscript(name: String) -> UInt64 { counters[name] ?? 0 }
}

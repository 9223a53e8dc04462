/// `gyre.v1.RingResponse`: the ring a node routes by, as SDKs and operators see it.
///
/// Contract: `owners[p]` indexes `members` (the owner of partition p); `owners.count` is
/// `partitionCount`; `replication` is N for the cluster's current size. `epoch` versions the
/// placement (owners, member ids); `membersVersion` the members' addresses, names and weights.
public struct RingInfo: Sendable, Equatable {
    public var epoch: UInt64
    public var membersVersion: UInt64
    public var partitionCount: UInt32
    public var replication: UInt32
    public var members: [Member]
    public var owners: [UInt32]
    public var clusterID: ClusterID

    public init(epoch: UInt64, partitionCount: UInt32, replication: UInt32, members: [Member], owners: [UInt32],
                clusterID: ClusterID, membersVersion: UInt64 = 1) {
        self.epoch = epoch
        self.membersVersion = membersVersion
        self.partitionCount = partitionCount
        self.replication = replication
        self.members = members
        self.owners = owners
        self.clusterID = clusterID
    }
}

/// `gyre.v1.RingRequest`: no fields.
public struct RingRequest: Sendable, Equatable {
    public init() {}
}

extension RingInfo {
    /// The ``Ring`` these parts describe: what a node restores from its store and what an SDK
    /// routes by. Throws when they do not make a valid ring (an owner index outside `members`
    /// is reported as an owner that is not a member).
    public func ring() throws(RingError) -> Ring {
        let unknown = NodeID(high: 0, low: 0)
        let owners = owners.map { Int($0) < members.count ? members[Int($0)].id : unknown }
        return try Ring(epoch: epoch, partitionCount: Int(partitionCount), owners: owners, members: members)
    }
}

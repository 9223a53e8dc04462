/// `gyre.v1.MembersRequest`: no fields.
public struct MembersRequest: Sendable, Equatable {
    public init() {}
}

/// `gyre.v1.MembersResponse`: every member of the ring as the answering node's failure detector
/// sees it.
///
/// Contract: `members` in the ring's member order; `isSelf` marks the answering node.
public struct MembersResponse: Sendable, Equatable {
    /// One member, its state and the incarnation that state was stated at.
    public struct Entry: Sendable, Equatable {
        public var member: Member
        public var state: MemberState
        public var incarnation: UInt64
        public var isSelf: Bool

        public init(member: Member, state: MemberState, incarnation: UInt64, isSelf: Bool) {
            self.member = member
            self.state = state
            self.incarnation = incarnation
            self.isSelf = isSelf
        }
    }

    public var nodeID: NodeID
    public var members: [Entry]

    public init(nodeID: NodeID, members: [Entry]) {
        self.nodeID = nodeID
        self.members = members
    }
}

/// `gyre.v1.GossipResponse`: always empty (a gossip message is one-way).
public struct GossipResponse: Sendable, Equatable {
    public init() {}
}

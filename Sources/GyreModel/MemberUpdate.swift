/// One piece of gossip: what a node holds about one member.
///
/// Contract: `accusers` matters only for a suspect status: the members that suspected it
/// independently at that incarnation (Lifeguard's confirmations), sorted, without duplicates, at
/// most 8 on the wire (GyreCore's `SWIMLimits`). A receiver ignores accusers it does not know and
/// the suspect itself; for alive and dead statuses it ignores them altogether.
public struct MemberUpdate: Hashable, Sendable, CustomStringConvertible {
    public var node: NodeID
    public var status: MemberStatus
    public var accusers: [NodeID]

    public init(node: NodeID, status: MemberStatus, accusers: [NodeID] = []) {
        self.node = node
        self.status = status
        self.accusers = accusers
    }

    public static func alive(_ node: NodeID, _ incarnation: UInt64) -> MemberUpdate {
        MemberUpdate(node: node, status: .alive(incarnation))
    }

    public static func suspect(_ node: NodeID, _ incarnation: UInt64, by accusers: [NodeID]) -> MemberUpdate {
        MemberUpdate(node: node, status: .suspect(incarnation), accusers: accusers)
    }

    public static func dead(_ node: NodeID, _ incarnation: UInt64) -> MemberUpdate {
        MemberUpdate(node: node, status: .dead(incarnation))
    }

    public var description: String {
        accusers.isEmpty ? "\(node)=\(status)" : "\(node)=\(status) by \(accusers)"
    }
}

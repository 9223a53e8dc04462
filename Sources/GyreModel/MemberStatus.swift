/// How the failure detector sees a member: reachable, under suspicion, or declared dead.
///
/// Contract: only the detector's opinion. `dead` never changes the ring (no placement moves); a
/// member leaves `dead` only by speaking again at a higher incarnation.
public enum MemberState: UInt8, Hashable, Sendable, CustomStringConvertible {
    case alive = 0
    case suspect = 1
    case dead = 2

    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        }
    }
}

/// A member's state together with the incarnation it was stated at.
///
/// Contract: statuses are ordered as SWIM orders them, by incarnation first and then
/// alive < suspect < dead within one incarnation:
/// `alive(i) < suspect(i) < dead(i) < alive(i+1) < …`. Only a status that ``overrides(_:)`` the
/// known one replaces it, so a stale message can never declare a member suspect or dead at an
/// incarnation older than known, and only the member itself (which alone raises its incarnation)
/// can leave suspicion or death.
public struct MemberStatus: Hashable, Sendable, CustomStringConvertible {
    public var state: MemberState
    public var incarnation: UInt64

    public init(_ state: MemberState, incarnation: UInt64) {
        self.state = state
        self.incarnation = incarnation
    }

    public static func alive(_ incarnation: UInt64) -> MemberStatus { MemberStatus(.alive, incarnation: incarnation) }
    public static func suspect(_ incarnation: UInt64) -> MemberStatus { MemberStatus(.suspect, incarnation: incarnation) }
    public static func dead(_ incarnation: UInt64) -> MemberStatus { MemberStatus(.dead, incarnation: incarnation) }

    /// Whether this status is strictly newer than `other` in SWIM's order.
    public func overrides(_ other: MemberStatus) -> Bool {
        (incarnation, state.rawValue) > (other.incarnation, other.state.rawValue)
    }

    public var description: String { "\(state)(\(incarnation))" }
}

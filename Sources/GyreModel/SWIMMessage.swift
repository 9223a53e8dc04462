/// What SWIM instances send each other (`gyre.v1.GossipMessage` on the wire, `Replica.Gossip`).
///
/// Contract: every message carries member updates: piggybacked gossip on the probe messages (at
/// most 64 accepted, GyreCore's `SWIMLimits`), every member's status on the two sync messages
/// (at most 4096). A probe id is the sender's own number: an ack or nack answers with the id of
/// the ping or ping request it answers.
public enum SWIMMessage: Hashable, Sendable {
    /// Are you there? Answered by `ack` with the same probe id.
    case ping(probe: UInt64, updates: [MemberUpdate])
    /// Ping `target` for me and tell me: `ack` (forwarded from the target) or `nack` (no answer in
    /// time), with the same probe id.
    case pingRequest(probe: UInt64, target: NodeID, updates: [MemberUpdate])
    /// `target` answered probe `probe`, speaking at `incarnation`. Sent by the target itself, or
    /// forwarded by the member that pinged it on the prober's behalf.
    case ack(probe: UInt64, target: NodeID, incarnation: UInt64, updates: [MemberUpdate])
    /// A relay got no answer from `target` in time (Lifeguard: tells the prober that the relay,
    /// at least, is healthy).
    case nack(probe: UInt64, target: NodeID, updates: [MemberUpdate])
    /// Push-pull: here is every member's status as I see it; answer with yours.
    case sync(states: [MemberUpdate])
    /// The answer to `sync`.
    case syncReply(states: [MemberUpdate])

    /// The updates the message carries, whatever its kind.
    public var updates: [MemberUpdate] {
        switch self {
        case let .ping(_, updates), let .pingRequest(_, _, updates), let .ack(_, _, _, updates), let .nack(_, _, updates):
            updates
        case let .sync(states), let .syncReply(states):
            states
        }
    }

    /// Whether this is a full-state exchange (sync or its reply).
    public var isSync: Bool {
        switch self {
        case .sync, .syncReply: true
        default: false
        }
    }
}

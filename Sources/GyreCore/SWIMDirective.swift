public import GyreModel

extension SWIMInstance {
    /// What the shell must do, in the order given.
    public enum Directive: Hashable, Sendable {
        /// Make this incarnation durable (the node's store, synced) before carrying out any later
        /// directive of the same list: the sends that follow may carry it, and a restart must
        /// come back above it (``SWIMInstance/init(me:members:lastIncarnation:settings:)``).
        case recordIncarnation(UInt64)
        /// Send this message to this member (best effort: a message may be lost).
        case send(SWIMMessage, to: NodeID)
        /// Call ``SWIMInstance/onTimer(_:now:random:)`` with this timer at or after this time.
        /// Timers are never cancelled: one that no longer matters is ignored when it fires.
        case scheduleTimer(Timer, at: UInt64)
        /// A member's state changed in this node's view (report it; the ring does not change).
        case stateChanged(NodeID, from: MemberState, to: MemberState, incarnation: UInt64)
        /// A message from this member was refused whole; nothing changed (count it, log it).
        case refused(Refusal, from: NodeID)
    }

    /// The instance's timers.
    public enum Timer: Hashable, Sendable {
        /// The next protocol period: conclude the last probe, probe the next member.
        case protocolPeriod
        /// A direct ping's ack is due: ask other members to ping the target.
        case probeTimeout(probe: UInt64)
        /// A ping sent on another member's behalf got no ack in time: answer nack.
        case relayTimeout(probe: UInt64)
        /// A suspect's time to refute may be over.
        case suspicion(NodeID)
        /// Exchange every member's status with one random member.
        case sync
    }

    /// Why a message was refused.
    public enum Refusal: Hashable, Sendable, CustomStringConvertible {
        /// The sender is not a member (or claims to be this node).
        case unknownSender
        /// More updates than ``SWIMLimits`` allow for this kind of message.
        case tooManyUpdates(count: Int)
        /// A suspect update with more than ``SWIMLimits/maxAccusers`` accusers.
        case tooManyAccusers(count: Int)
        /// An incarnation above ``SWIMLimits/maxIncarnation``.
        case incarnationOutOfRange(UInt64)
        /// A ping request for a node that is not a member.
        case unknownTarget(NodeID)
        /// Already pinging ``SWIMSettings/maxRelayedProbes`` members on others' behalf.
        case tooManyRelayedProbes

        public var description: String {
            switch self {
            case .unknownSender: "the sender is not a member"
            case let .tooManyUpdates(count): "\(count) member updates is more than a message may carry"
            case let .tooManyAccusers(count): "\(count) accusers is more than the limit of \(SWIMLimits.maxAccusers)"
            case let .incarnationOutOfRange(incarnation): "incarnation \(incarnation) is above 2^62"
            case let .unknownTarget(node): "ping request for \(node), which is not a member"
            case .tooManyRelayedProbes: "too many ping requests in progress"
            }
        }
    }
}

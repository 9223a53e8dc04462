public import GyreModel

/// Which members this node's failure detector sees as down: the pipeline writes and reads
/// through fallbacks for them at once, forwards to them last, and hands hints only to members
/// that are not down. The node plugs in its SWIM detector; the simulation its own view.
///
/// Contract: thread-safe and cheap (called once per request); an answer may be stale or wrong
/// (a detector can suspect a live node): the pipeline treats it as advice, never as fact.
public protocol MemberLiveness: Sendable {
    /// The members seen as down now (usually none).
    func downMembers() -> Set<NodeID>
}

/// A detector that sees every member as up (no failure detection: attempts still time out and
/// move on to fallbacks).
public struct EveryoneUp: MemberLiveness {
    public init() {}
    public func downMembers() -> Set<NodeID> { [] }
}

/// How two causal histories relate: the answer of every `compare` in Gyre's versioning.
///
/// Contract: `a.compare(b) == .before` means a happened before b (b has seen everything a has
/// and more); `.after` is the mirror; `.equal` means the same history; `.concurrent` means each
/// has seen something the other has not. `a.compare(b)` is always `b.compare(a).reversed`.
/// Deliberately not `Comparable`: concurrent histories have no order.
public enum CausalOrder: Sendable, Hashable, CustomStringConvertible {
    case before
    case after
    case equal
    case concurrent

    /// The answer with the operands swapped: before ⇄ after; equal and concurrent stay.
    public var reversed: CausalOrder {
        switch self {
        case .before: return .after
        case .after: return .before
        case .equal, .concurrent: return self
        }
    }

    public var description: String {
        switch self {
        case .before: return "before"
        case .after: return "after"
        case .equal: return "equal"
        case .concurrent: return "concurrent"
        }
    }
}

/// One event: the `counter`-th write coordinated by `actor`.
///
/// Contract: a plain value; `counter` ≥ 1 for a real event. A ``VersionVector`` covers a dot
/// when its counter for the dot's actor is at least the dot's counter.
public struct Dot: Sendable, Hashable, CustomStringConvertible {
    public var actor: NodeID
    public var counter: UInt64

    public init(actor: NodeID, counter: UInt64) {
        self.actor = actor
        self.counter = counter
    }

    public var description: String { "\(actor):\(counter)" }
}

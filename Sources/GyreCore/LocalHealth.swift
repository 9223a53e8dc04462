/// Lifeguard's Local Health Multiplier: a saturating counter of recent signs that this node, not
/// its peers, is slow (missed acks, missed nacks, having to refute a suspicion of itself).
///
/// Contract: stays in `0...maximum`; ``scaled(_:)`` stretches a duration by `1 + multiplier`,
/// so a struggling node probes less often and waits longer before it suspects anyone.
struct LocalHealth: Sendable, Equatable {
    private(set) var multiplier = 0
    let maximum: Int

    init(maximum: Int) { self.maximum = maximum }

    mutating func raise(by amount: Int = 1) { multiplier = min(maximum, multiplier + max(0, amount)) }
    mutating func lower(by amount: Int = 1) { multiplier = max(0, multiplier - max(0, amount)) }

    func scaled(_ duration: UInt64) -> UInt64 { duration * UInt64(1 + multiplier) }
}

import GyreCore
import GyreModel

let nodeD = NodeID(high: 0, low: 4)
let nodeE = NodeID(high: 0, low: 5)
/// Not a member of any test group.
let stranger = NodeID(high: 9, low: 9)

/// A generator that always answers `UInt64.max`: shuffles leave the sorted order in place (the
/// probe order is the members in id order) and a choice of k takes the last k candidates. Exact
/// directive lists can then be written by hand.
struct LastChoiceRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

/// Short, round times (nanoseconds, but only their ratios matter): a 1000 period, acks due at
/// 400, relays nack at 300, suspicion 3000...9000, k = 2; syncs after the first far apart.
let testSettings = SWIMSettings(
    probeInterval: 1_000,
    pingTimeout: 400,
    relayTimeout: 300,
    indirectProbes: 2,
    suspicionTimeoutMin: 3_000,
    suspicionTimeoutMax: 9_000,
    independentSuspicions: 3,
    syncInterval: 1_000_000,
    maxPiggybackedUpdates: 8,
    retransmitMultiplier: 3,
    maxLocalHealth: 8,
    maxRelayedProbes: 2
)

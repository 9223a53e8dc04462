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

/// An instance of `me` among A, B, C, D (unless told otherwise), started at time 0.
func startedInstance(
    _ me: NodeID = nodeA, members: [NodeID] = [nodeA, nodeB, nodeC, nodeD], lastIncarnation: UInt64? = nil,
    settings: SWIMSettings = testSettings
) -> SWIMInstance {
    var instance = SWIMInstance(me: me, members: members, lastIncarnation: lastIncarnation, settings: settings)
    var random = LastChoiceRandom()
    _ = instance.start(now: 0, random: &random)
    return instance
}

extension SWIMInstance {
    /// `onTimer` with the hand-written generator.
    mutating func fire(_ timer: Timer, at now: UInt64) -> [Directive] {
        var random = LastChoiceRandom()
        return onTimer(timer, now: now, random: &random)
    }

    /// Every member's state in this node's view.
    var states: [NodeID: MemberState] { view.mapValues(\.state) }
}

extension SWIMInstance {
    /// Runs `count` protocol periods 1000 apart from `start`, each ping acked by its target at
    /// once (so the local health stays 0); returns the targets in order.
    mutating func probeRounds(_ count: Int, from start: UInt64 = 1_000) -> [NodeID] {
        var targets: [NodeID] = []
        for period in 0..<count {
            let now = start + UInt64(period) * 1_000
            for directive in fire(.protocolPeriod, at: now) {
                guard case let .send(.ping(probe, _), to: target) = directive else { continue }
                targets.append(target)
                _ = onMessage(.ack(probe: probe, target: target, incarnation: status(of: target)?.incarnation ?? 0, updates: []),
                              from: target, now: now + 10)
            }
        }
        return targets
    }
}

import GyreCore
import GyreModel
import GyreTestKit

/// A group of SWIM instances on a seeded, lossy in-memory network in virtual time: the shell's
/// part done by hand, one event at a time.
///
/// Contract: a run depends only on the seed and what the test does. Every message takes 1–5 ms
/// and is lost with probability `loss`; every message to or from a starved node is lost; a
/// crashed node does nothing (its timers and messages vanish) until restarted, which builds a new
/// instance from its recorded incarnation. Recorded incarnations are kept per node (the store).
struct SWIMGroup {
    enum Event {
        case deliver(SWIMMessage, from: NodeID, to: NodeID, life: Int)
        case timer(SWIMInstance.Timer, node: NodeID, life: Int)
    }

    static let millisecond: UInt64 = 1_000_000
    static let settings = SWIMSettings(
        probeInterval: 100 * millisecond,
        pingTimeout: 40 * millisecond,
        relayTimeout: 30 * millisecond,
        indirectProbes: 2,
        suspicionTimeoutMin: 400 * millisecond,
        suspicionTimeoutMax: 1_600 * millisecond,
        independentSuspicions: 3,
        syncInterval: 1_000 * millisecond
    )

    let ids: [NodeID]
    var instances: [NodeID: SWIMInstance] = [:]
    /// Bumped on each crash, so what the old life scheduled vanishes.
    var lives: [NodeID: Int] = [:]
    var randoms: [NodeID: SeededRandom] = [:]
    var network: SeededRandom
    var queue = EventQueue<Event>()
    var now: UInt64 = 0
    var loss: Double
    var starved: Set<NodeID> = []
    var crashed: Set<NodeID> = []
    var recorded: [NodeID: UInt64] = [:]
    /// Every state change any node reported: (time, observer, member, to).
    var changes: [(time: UInt64, observer: NodeID, member: NodeID, to: MemberState)] = []
    var refusals = 0
    /// Broken shell rules (an incarnation sent before it was recorded, or recorded going down).
    var violations: [String] = []
    var messages = 0

    init(size: Int, seed: UInt64, loss: Double = 0) {
        ids = (1...size).map { NodeID(high: 0x5157_0000, low: UInt64($0)) }
        network = SeededRandom(seed: seed)
        self.loss = loss
        for (index, id) in ids.enumerated() {
            randoms[id] = SeededRandom(seed: seed &* 31 &+ UInt64(index) &+ 1)
            lives[id] = 0
            boot(id)
        }
    }

    /// A new instance for `node` from its recorded incarnation, started now.
    mutating func boot(_ node: NodeID) {
        var instance = SWIMInstance(me: node, members: ids, lastIncarnation: recorded[node], settings: Self.settings)
        var random = randoms[node]!
        let directives = instance.start(now: now, random: &random)
        randoms[node] = random
        instances[node] = instance
        carryOut(directives, at: node)
    }

    mutating func crash(_ node: NodeID) {
        crashed.insert(node)
        lives[node]! += 1
    }

    mutating func restart(_ node: NodeID) {
        crashed.remove(node)
        boot(node)
    }

    mutating func run(for duration: UInt64) {
        let end = now + duration
        while let next = queue.nextTime, next <= end {
            let (time, event) = queue.pop()!
            now = time
            handle(event)
        }
        now = end
    }

    private mutating func handle(_ event: Event) {
        switch event {
        case let .deliver(message, sender, node, life):
            guard life == lives[node], !crashed.contains(node) else { return }
            let directives = instances[node]!.onMessage(message, from: sender, now: now)
            carryOut(directives, at: node)
        case let .timer(timer, node, life):
            guard life == lives[node], !crashed.contains(node) else { return }
            var random = randoms[node]!
            let directives = instances[node]!.onTimer(timer, now: now, random: &random)
            randoms[node] = random
            carryOut(directives, at: node)
        }
    }

    private mutating func carryOut(_ directives: [SWIMInstance.Directive], at node: NodeID) {
        for directive in directives {
            switch directive {
            case let .recordIncarnation(incarnation):
                if let previous = recorded[node], incarnation <= previous {
                    violations.append("\(node) recorded \(incarnation) after \(previous)")
                }
                recorded[node] = incarnation
            case let .send(message, to: target):
                messages += 1
                // A node never sends an incarnation of its own before it was recorded.
                var own = message.updates.filter { $0.node == node }.map(\.status.incarnation)
                if case let .ack(_, about, incarnation, _) = message, about == node { own.append(incarnation) }
                if let highest = own.max(), highest > recorded[node] ?? 0 {
                    violations.append("\(node) sent incarnation \(highest) before recording it")
                }
                guard !starved.contains(node), !starved.contains(target), !network.chance(loss) else { continue }
                let delay = network.uniform(in: 1...5) * Self.millisecond
                queue.schedule(.deliver(message, from: node, to: target, life: lives[target]!), at: now + delay)
            case let .scheduleTimer(timer, at: time):
                queue.schedule(.timer(timer, node: node, life: lives[node]!), at: max(time, now))
            case let .stateChanged(member, from: _, to: state, incarnation: _):
                changes.append((now, node, member, state))
            case .refused:
                refusals += 1
            }
        }
    }

    /// The nodes that are running.
    var running: [NodeID] { ids.filter { !crashed.contains($0) } }

    /// `observer`'s view of every member's state.
    func states(seenBy observer: NodeID) -> [NodeID: MemberState] {
        instances[observer]!.view.mapValues(\.state)
    }

    /// Whether every running node holds `member` in `state`.
    func allRunning(see member: NodeID, as state: MemberState) -> Bool {
        running.filter { $0 != member }.allSatisfy { instances[$0]!.status(of: member)?.state == state }
    }
}

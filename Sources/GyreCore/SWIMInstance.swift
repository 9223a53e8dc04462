public import GyreModel

/// The SWIM failure detector and gossip of one node: probes members, suspects and declares dead
/// those that stop answering, and spreads what it learns on its probe traffic (SWIM, with
/// Lifeguard's refinements; apple/swift-cluster-membership's `SWIM.Instance` is the model).
///
/// Contract (an Instance: no clock, no randomness of its own, no I/O; every event returns
/// Directives, to be carried out in order):
/// - Membership is the ring's: the instance tracks the states of the members it was given
///   (``init(me:members:lastIncarnation:settings:)``, ``onMembersChanged(_:now:random:)``) and
///   ignores updates about any other node id. It only reports states
///   (``Directive/stateChanged(_:from:to:incarnation:)``): dead changes no placement.
/// - ``start(now:random:)`` takes the incarnation above `lastIncarnation` and emits
///   ``Directive/recordIncarnation(_:)`` before anything that carries it; so does every
///   refutation. A node restarted with its recorded incarnation comes back above any state the
///   others hold of it, and is alive again in their views.
/// - Each protocol period probes one member, round-robin over a shuffled list (dead members
///   included, by direct ping only, so a member that comes back is seen). A ping without an
///   ack by the ping timeout goes to `indirectProbes` other members as ping requests; a probe
///   with no ack at all by the end of its period makes the target suspect. A suspect is dead
///   after its suspicion timeout (Lifeguard: shorter as independent suspicions arrive) unless it
///   refutes: a node that hears itself suspected or declared dead at its incarnation or above
///   takes the next incarnation above it and gossips itself alive.
/// - Statuses merge by ``MemberStatus/overrides(_:)`` only, so no message can bring a member
///   back to an older incarnation or declare it suspect or dead below its known incarnation.
/// - Every probe message piggybacks up to `maxPiggybackedUpdates` recent updates, each sent
///   `retransmitMultiplier × ⌈log₂(n + 1)⌉` times; a message to a member this node holds suspect
///   or dead carries that status first (Lifeguard's buddy system), so it can refute at once.
///   Every `syncInterval` the whole view is exchanged with one random member (push-pull).
/// - A message is refused whole (``Directive/refused(_:from:)``, no state touched, no answer)
///   when its sender is not a member or it breaks ``SWIMLimits``.
/// - Lifeguard's local health: missed acks and nacks and refutations raise a multiplier,
///   successful probes lower it; the probe interval and ping timeout are stretched by it.
/// - Events before ``start(now:random:)`` return nothing.
public struct SWIMInstance: Sendable {
    /// A member as this node holds it.
    struct Record: Sendable {
        var status: MemberStatus
        /// Suspect only: who suspected it (sorted; at most `independentSuspicions + 1`).
        var accusers: [NodeID] = []
        /// Suspect only: when this node began to suspect it.
        var suspectedAt: UInt64 = 0
    }

    /// The probe of the current protocol period.
    struct Probe: Sendable {
        let id: UInt64
        let target: NodeID
        /// The target was dead when probed: a direct ping only, to see whether it is back; no
        /// ping requests, no suspicion, no effect on the local health.
        let livenessOnly: Bool
        var acked = false
        var relays: [NodeID] = []
        var nacks: Set<NodeID> = []
    }

    /// A ping this node sent on another member's behalf.
    struct Relay: Sendable {
        let origin: NodeID
        let originProbe: UInt64
        let target: NodeID
    }

    public let me: NodeID
    public let settings: SWIMSettings
    /// This node's incarnation (meaningful once started).
    public internal(set) var incarnation: UInt64 = 0
    public internal(set) var isStarted = false
    let lastIncarnation: UInt64?

    /// Every other member, sorted (the order every deterministic walk uses).
    var others: [NodeID]
    var records: [NodeID: Record]
    var probeOrder = ProbeOrder()
    var gossip = GossipQueue()
    var health: LocalHealth
    var nextProbeID: UInt64 = 0
    var probe: Probe?
    var relays: [UInt64: Relay] = [:]
    var nextPeriodAt: UInt64 = 0
    var nextSyncAt: UInt64 = 0

    /// - Parameters:
    ///   - me: this node (it may be among `members`).
    ///   - members: the ring's members; each starts alive at incarnation 0.
    ///   - lastIncarnation: the incarnation this node last recorded (nil on its first start).
    public init(me: NodeID, members: [NodeID], lastIncarnation: UInt64?, settings: SWIMSettings = SWIMSettings()) {
        if let problem = settings.validated() { preconditionFailure("SWIMSettings: \(problem)") }
        precondition((lastIncarnation ?? 0) < SWIMLimits.maxIncarnation, "lastIncarnation must be below 2^62")
        self.me = me
        self.settings = settings
        self.lastIncarnation = lastIncarnation
        others = Array(Set(members).subtracting([me])).sorted()
        records = Dictionary(uniqueKeysWithValues: others.map { ($0, Record(status: .alive(0))) })
        health = LocalHealth(maximum: settings.maxLocalHealth)
    }

    // MARK: the view

    /// A member's status as this node sees it (this node: alive at its incarnation); nil for a
    /// node that is not a member.
    public func status(of node: NodeID) -> MemberStatus? {
        node == me ? .alive(incarnation) : records[node]?.status
    }

    /// Every member's status, this node included.
    public var view: [NodeID: MemberStatus] {
        var view = records.mapValues(\.status)
        view[me] = .alive(incarnation)
        return view
    }

    /// Who suspects a suspect member, as far as this node knows (empty otherwise).
    public func accusers(of node: NodeID) -> [NodeID] { records[node]?.accusers ?? [] }

    /// Lifeguard's local health multiplier (0 is healthy).
    public var localHealth: Int { health.multiplier }

    /// The members, this node included, sorted.
    public var members: [NodeID] { (others + [me]).sorted() }

    // MARK: events

    /// Starts the detector: takes the incarnation above the recorded one and schedules the first
    /// protocol period and the first sync, both one probe interval away (a restarted node catches
    /// up at once; later syncs are `syncInterval` apart).
    public mutating func start<Generator: RandomNumberGenerator>(now: UInt64, random: inout Generator) -> [Directive] {
        guard !isStarted else { return [] }
        isStarted = true
        incarnation = lastIncarnation.map { $0 + 1 } ?? 0
        probeOrder.reset(others, using: &random)
        gossip.enqueue(me)
        nextPeriodAt = now + health.scaled(settings.probeInterval)
        nextSyncAt = now + settings.probeInterval
        return [
            .recordIncarnation(incarnation),
            .scheduleTimer(.protocolPeriod, at: nextPeriodAt),
            .scheduleTimer(.sync, at: nextSyncAt),
        ]
    }

    /// A timer the instance scheduled has fired (`now` ≥ its time).
    public mutating func onTimer<Generator: RandomNumberGenerator>(
        _ timer: Timer, now: UInt64, random: inout Generator
    ) -> [Directive] {
        guard isStarted else { return [] }
        switch timer {
        case .protocolPeriod:
            guard now >= nextPeriodAt else { return [] }
            return runProtocolPeriod(now: now, random: &random)
        case let .probeTimeout(id):
            return onProbeTimeout(id, random: &random)
        case let .relayTimeout(id):
            return onRelayTimeout(id)
        case let .suspicion(node):
            return onSuspicionTimeout(node, now: now)
        case .sync:
            guard now >= nextSyncAt else { return [] }
            return runSync(now: now, random: &random)
        }
    }

    /// A message from `sender` (as authenticated by the shell) arrived.
    public mutating func onMessage(_ message: SWIMMessage, from sender: NodeID, now: UInt64) -> [Directive] {
        guard isStarted else { return [] }
        if let refusal = refusal(of: message, from: sender) { return [.refused(refusal, from: sender)] }
        var directives = apply(message.updates, now: now)
        switch message {
        case let .ping(id, _):
            directives.append(.send(.ack(probe: id, target: me, incarnation: incarnation, updates: piggyback(for: sender)), to: sender))
        case let .pingRequest(id, target, _):
            directives += relay(id, to: target, for: sender, now: now)
        case let .ack(id, target, incarnation, _):
            directives += onAck(id, target: target, incarnation: incarnation, from: sender, now: now)
        case let .nack(id, target, _):
            onNack(id, target: target, from: sender)
        case .sync:
            directives.append(.send(.syncReply(states: fullStates()), to: sender))
        case .syncReply:
            break
        }
        return directives
    }

    // MARK: steps

    /// Why `message` must be refused, checked before anything is touched; nil to accept it.
    func refusal(of message: SWIMMessage, from sender: NodeID) -> Refusal? {
        guard sender != me, records[sender] != nil else { return .unknownSender }
        let updates = message.updates
        let limit = message.isSync ? SWIMLimits.maxSyncStates : SWIMLimits.maxPiggybackedUpdates
        guard updates.count <= limit else { return .tooManyUpdates(count: updates.count) }
        for update in updates {
            guard update.status.incarnation <= SWIMLimits.maxIncarnation else {
                return .incarnationOutOfRange(update.status.incarnation)
            }
            guard update.accusers.count <= SWIMLimits.maxAccusers else { return .tooManyAccusers(count: update.accusers.count) }
        }
        switch message {
        case let .ack(_, _, incarnation, _) where incarnation > SWIMLimits.maxIncarnation:
            return .incarnationOutOfRange(incarnation)
        case let .pingRequest(_, target, _) where target != me:
            guard records[target] != nil else { return .unknownTarget(target) }
            guard relays.count < settings.maxRelayedProbes else { return .tooManyRelayedProbes }
        default:
            break
        }
        return nil
    }

    mutating func newProbeID() -> UInt64 {
        nextProbeID += 1
        return nextProbeID
    }
}

import GyreCore
import GyreModel
public import GyrePipeline
import GyreRPC
import GyreStorage

/// Runs simulated clusters: one seed, one deterministic run.
public enum Simulation {
    /// Runs the schedule `seed` draws against nodes versioning with `versioning`.
    public static func run<Versioning: ReplicaVersioning>(
        seed: UInt64, versioning: Versioning, handoffOrder: HandoffSettings.Order = .deleteAfterAcknowledgement
    ) -> SimulationRun {
        SimulatedCluster(seed: seed, versioning: versioning, handoffOrder: handoffOrder).run()
    }

    /// Runs the schedule `seed` draws against the real versioning, with the schedule's caps.
    public static func run(seed: UInt64, handoffOrder: HandoffSettings.Order = .deleteAfterAcknowledgement) -> SimulationRun {
        var random = SeededRandom(seed: seed)
        let limits = SimulationSchedule.draw(using: &random).versionLimits
        return run(seed: seed, versioning: CausalVersioning(limits: limits), handoffOrder: handoffOrder)
    }
}

/// What one run produced: its schedule, the checker's input, and the trace.
public struct SimulationRun: Sendable, Equatable {
    public var schedule: SimulationSchedule
    public var history: SimulationHistory
    public var trace: SimulationTrace
    /// Events the simulator processed.
    public var eventCount: Int
    /// How often each fault struck, and what the pipeline went through.
    public var faults: FaultCounts
}

/// How often each fault struck in a run, and which of the pipeline's hard paths it went through:
/// evidence that a schedule's faults overlapped its work.
public struct FaultCounts: Sendable, Equatable, CustomStringConvertible {
    /// Node-to-node messages lost at random.
    public var dropped = 0
    /// Messages lost to the partition.
    public var partitioned = 0
    /// Calls refused by a crashed node.
    public var refused = 0
    /// Storage reads that failed.
    public var readFaults = 0
    /// Storage writes that failed before anything was written (the node answers not-applied).
    public var notAppliedFaults = 0
    /// Storage writes applied, then reported as a write fault (the node answers possibly-applied).
    public var possiblyAppliedFaults = 0
    /// Client requests a crash cut short.
    public var lostCoordinations = 0
    /// Storage operations that completed later, from the event queue (as RocksDB's threads do).
    public var storageCompletions = 0
    /// Client writes refused by a sibling or byte cap.
    public var capRefusals = 0
    /// Coordinator timer wake-ups, and those not on the pipeline's timer grain (must be none).
    public var timerWakeUps = 0
    public var timerWakeUpsOffGrain = 0
    /// Hints fallbacks stored, and hints handed to their owners and deleted.
    public var hintsStored = 0
    public var hintsDelivered = 0
    /// Writes forwarded to a replica, and writes coordinated with no replica in reach.
    public var forwardedWrites = 0
    public var offReplicaWrites = 0

    public init() {}

    public static func + (lhs: FaultCounts, rhs: FaultCounts) -> FaultCounts {
        var sum = lhs
        sum.dropped += rhs.dropped
        sum.partitioned += rhs.partitioned
        sum.refused += rhs.refused
        sum.readFaults += rhs.readFaults
        sum.notAppliedFaults += rhs.notAppliedFaults
        sum.possiblyAppliedFaults += rhs.possiblyAppliedFaults
        sum.lostCoordinations += rhs.lostCoordinations
        sum.storageCompletions += rhs.storageCompletions
        sum.capRefusals += rhs.capRefusals
        sum.timerWakeUps += rhs.timerWakeUps
        sum.timerWakeUpsOffGrain += rhs.timerWakeUpsOffGrain
        sum.hintsStored += rhs.hintsStored
        sum.hintsDelivered += rhs.hintsDelivered
        sum.forwardedWrites += rhs.forwardedWrites
        sum.offReplicaWrites += rhs.offReplicaWrites
        return sum
    }

    public var description: String {
        "\(dropped) dropped, \(partitioned) partitioned, \(refused) refused, \(readFaults) read faults, "
            + "\(notAppliedFaults) not-applied and \(possiblyAppliedFaults) possibly-applied write faults, "
            + "\(lostCoordinations) requests lost to crashes, \(storageCompletions) asynchronous storage completions, "
            + "\(capRefusals) cap refusals, \(timerWakeUps) timer wake-ups (\(timerWakeUpsOffGrain) off the grain), "
            + "\(hintsStored) hints stored, \(hintsDelivered) delivered, \(forwardedWrites) writes forwarded, "
            + "\(offReplicaWrites) coordinated off-replica"
    }
}

/// A Gyre cluster in one process, on virtual time: five nodes each running the node's own request
/// pipeline (``RequestRouter``, ``ReplicaHandler`` and everything behind them, generic over the
/// versioning), plugged into simulated ports: a ``Scheduler`` on the event queue, a
/// ``ReplicaTransport`` on a network that delays, drops and partitions, and a storage engine
/// that completes later and fails on demand. Clients do read-modify-write cycles against them.
///
/// Contract: single-threaded and deterministic (hence `@unchecked Sendable`: the pipeline's
/// ports are `Sendable`, and every one of them runs on the simulator's one thread): every
/// choice comes from one ``SeededRandom`` seeded with the run's seed, events run in (time,
/// sequence) order from an ``EventQueue``, nothing reads a real clock, and no Dictionary or Set
/// is iterated where the order could reach the trace. A crashed node's pipeline is dropped whole
/// (its timers, calls and storage operations in flight are ignored when they come due); a
/// restarted node gets a new pipeline over the same storage. A run has three phases: clients work
/// while the faults of the ``SimulationSchedule`` happen; when every client finished, the cluster
/// heals (partitions removed, crashed nodes restarted, no more drops, spikes or storage faults)
/// and settles; then each key is read at each of its replicas with R = N and the result is
/// recorded (``FinalKeyState``).
final class SimulatedCluster<Versioning: ReplicaVersioning>: @unchecked Sendable {
    typealias Version = Versioning.Version

    /// What the event queue holds.
    enum Event {
        /// Work of node `node`'s pipeline (a timer, a delivery, a storage completion), dropped
        /// when that node crashed since (its incarnation moved on).
        case node(Int, incarnation: Int, () -> Void)
        /// Work of the world itself (deliveries to clients, final reads).
        case world(() -> Void)
        case clientWake(Int)
        case clientDeadline(client: Int, operation: Int)
        case crash(Int)
        case restart(Int)
        case partitionStart
        case partitionEnd
        /// Every running node sweeps its hints (hinted handoff), while clients run.
        case handoffTick
    }

    // MARK: state

    let schedule: SimulationSchedule
    let versioning: Versioning
    var random: SeededRandom
    var queue = EventQueue<Event>()
    var now: UInt64 = 0
    var trace = SimulationTrace()
    var eventCount = 0
    var faults = FaultCounts()
    let timing: CoordinatorTiming
    /// The cluster's view: every node routes by the same ring, cluster id and secret.
    let ring: Ring
    let clusterID: ClusterID
    let secret: ClusterSecret
    /// Node ids by index; traces and clients use indices.
    let members: [Member]
    let keys: [Key]
    var nodes: [SimulatedNode<Versioning>] = []
    var clients: [SimulatedClient] = []
    var operations: [Operation] = []
    var observations = StorageObservations()
    /// Links currently cut by the partition.
    var blocked: Set<SimulationSchedule.Link> = []
    /// When the current partition started (its cut links are seen as down a while later).
    var partitionStartedAt: UInt64 = 0
    /// Drops, spikes and storage faults happen only while this is on.
    var faultsOn = true
    var healed = false
    var clientsDone = 0
    /// The final reads' answers, by slot.
    var finalReads: [FinalRead] = []
    /// The client write whose coordinator is running right now (its local storage update is
    /// that write: the engine tags it, and the world records where and as what it was stored).
    var writeInProgress: (write: WriteID, node: Int)?
    /// When fallbacks delete delivered hints (the contract, or the broken variant).
    let handoffOrder: HandoffSettings.Order

    init(seed: UInt64, versioning: Versioning, handoffOrder: HandoffSettings.Order = .deleteAfterAcknowledgement) {
        self.handoffOrder = handoffOrder
        var random = SeededRandom(seed: seed)
        let schedule = SimulationSchedule.draw(using: &random)
        var ids: [NodeID] = []
        while ids.count < schedule.nodeCount {
            let id = NodeID.random(using: &random)
            if !ids.contains(id) { ids.append(id) }
        }
        self.schedule = schedule
        self.versioning = versioning
        self.random = random
        // The cluster's id and secret come from a generator of their own (seeded from the run's
        // seed), so the schedule and every later draw do not depend on them.
        var sealRandom = SeededRandom(seed: seed ^ 0x5EA1_C0DE_5EA1_C0DE)
        clusterID = ClusterID.random(using: &sealRandom)
        secret = ClusterSecret.random(using: &sealRandom)
        members = ids.enumerated().map { Member(id: $0.element, peerAddress: "n\($0.offset)") }
        ring = Ring.claim(members: members, partitionCount: schedule.partitionCount)
        keys = (0..<schedule.keyCount).map { Key("k\($0)") }
        timing = CoordinatorTiming(replicaTimeout: schedule.replicaTimeout, margin: schedule.deadlineMargin)
        clients = (0..<schedule.clientCount).map { SimulatedClient(index: $0, remaining: schedule.operationsPerClient) }
        nodes = members.indices.map { SimulatedNode(index: $0, id: members[$0].id) }
        for node in nodes.indices { startPipeline(node) }
    }

    /// A fresh pipeline for `node` (at the start, and after every restart), over its storage.
    func startPipeline(_ node: Int) {
        let incarnation = nodes[node].incarnation
        let view = ClusterView(ring: ring, clusterID: clusterID, secret: secret, replicationFactor: schedule.replication,
                               readQuorum: schedule.readQuorum, writeQuorum: schedule.writeQuorum, me: members[node].id,
                               membersVersion: 1)
        let context = PipelineContext(
            me: members[node].id, storage: SimulatedEngine(world: self, node: node, incarnation: incarnation),
            metrics: PipelineMetrics(), views: FixedView(view: view),
            scheduler: SimulatedScheduler(world: self, node: node, incarnation: incarnation),
            transport: SimulatedTransport(world: self, node: node, incarnation: incarnation),
            timing: timing, versioning: versioning, limits: KVLimits(),
            liveness: SimulatedLiveness(world: self, node: node))
        nodes[node].handler = ReplicaHandler(context: context)
        nodes[node].handoff = HintHandoff(context: context,
                                          settings: HandoffSettings(rate: 1_000_000, perPass: 16, order: handoffOrder))
    }

    // MARK: phases

    func run() -> SimulationRun {
        trace.record(now, schedule.description)
        for client in clients.indices {
            queue.schedule(.clientWake(client), at: random.uniform(in: 0...schedule.maxThinkTime))
        }
        if let partition = schedule.partition {
            queue.schedule(.partitionStart, at: partition.start)
            queue.schedule(.partitionEnd, at: partition.end)
        }
        for crash in [schedule.crash, schedule.secondCrash].compactMap({ $0 }) {
            queue.schedule(.crash(crash.node), at: crash.start)
            queue.schedule(.restart(crash.node), at: crash.end)
        }
        queue.schedule(.handoffTick, at: Self.handoffTickInterval)
        drain()
        if !healed { heal() }
        drain()
        let handoffProblems = quietHandoff()
        converge()
        for node in nodes.indices { retireCounters(node) }
        let history = SimulationHistory(operations: operations, observations: observations,
                                        finalState: finalState(), writeQuorum: schedule.writeQuorum,
                                        handoffProblems: handoffProblems)
        return SimulationRun(schedule: schedule, history: history, trace: trace, eventCount: eventCount, faults: faults)
    }

    /// Runs events until none is left.
    func drain() {
        while let (time, event) = queue.pop() {
            precondition(time >= now, "the event queue went back in time")
            now = time
            eventCount += 1
            precondition(eventCount < 2_000_000, "seed \(schedule.seed): the simulation does not settle")
            handle(event)
        }
    }

    /// Ends every fault: the partition, the crash, drops, spikes and storage faults.
    func heal() {
        healed = true
        faultsOn = false
        blocked = []
        for node in nodes.indices where !nodes[node].isUp { restart(node) }
        trace.record(now, "heal: every link up, every node running, no drops")
    }

    private func handle(_ event: Event) {
        switch event {
        case let .node(node, incarnation, action):
            guard nodes[node].isUp, nodes[node].incarnation == incarnation else { return }
            action()
        case let .world(action):
            action()
        case let .clientWake(client):
            clientWake(client)
        case let .clientDeadline(client, operation):
            clientDeadline(client: client, operation: operation)
        case let .crash(node):
            guard !healed else { return }
            crash(node)
        case let .restart(node):
            guard !healed, !nodes[node].isUp else { return }
            restart(node)
        case .partitionStart:
            guard !healed, let partition = schedule.partition else { return }
            blocked = Set(partition.blocked)
            partitionStartedAt = now
            trace.record(now, "partition starts")
        case .partitionEnd:
            guard !healed else { return }
            blocked = []
            trace.record(now, "partition ends")
        case .handoffTick:
            guard !healed else { return }
            for node in nodes.indices where nodes[node].isUp { nodes[node].handoff?.sweep {} }
            queue.schedule(.handoffTick, at: now + Self.handoffTickInterval)
        }
    }

    private func crash(_ node: Int) {
        // Everything of the running pipeline is dropped with it: what comes due later for the
        // old incarnation is ignored.
        let lost = nodes[node].clientRequests
        faults.lostCoordinations += lost
        nodes[node].isUp = false
        nodes[node].incarnation += 1
        nodes[node].clientRequests = 0
        retireCounters(node)
        nodes[node].handler = nil
        nodes[node].handoff = nil
        trace.record(now, "crash n\(node) (\(lost) client requests lost)")
    }

    private func restart(_ node: Int) {
        nodes[node].isUp = true
        startPipeline(node)
        trace.record(now, "restart n\(node)")
    }

    // MARK: scheduling node work

    /// Runs `action` for `node`'s pipeline at `time`, unless the node crashed before.
    func schedule(node: Int, incarnation: Int, at time: UInt64, _ action: @escaping () -> Void) {
        queue.schedule(.node(node, incarnation: incarnation, action), at: time)
    }

    // MARK: network

    /// A message's delay: uniform, plus a spike now and then while faults are on.
    func delay() -> UInt64 {
        var delay = random.uniform(in: schedule.minDelay...schedule.maxDelay)
        if faultsOn, random.chance(schedule.spikeProbability) {
            delay += random.uniform(in: 30...120) * 1_000_000
        }
        return delay
    }

    /// Whether a node-to-node message from `from` to `to` is lost now (drop or partition),
    /// recording why.
    func lost(from: Int, to: Int, _ what: String) -> Bool {
        if faultsOn, random.chance(schedule.dropProbability) {
            faults.dropped += 1
            trace.record(now, "drop n\(from)→n\(to) \(what)")
            return true
        }
        return false
    }

    /// Adds the counters of `node`'s running pipeline to the run's, once (at a crash, or at the end).
    func retireCounters(_ node: Int) {
        guard let metrics = nodes[node].handler?.context.metrics else { return }
        faults.capRefusals += Int(metrics.capRefusals.value)
        faults.hintsStored += Int(metrics.hintsStored.value)
        faults.hintsDelivered += Int(metrics.hintsDelivered.value)
        faults.forwardedWrites += Int(metrics.forwarded.value)
        faults.offReplicaWrites += Int(metrics.writesCoordinatedOffReplica.value)
        nodes[node].handler = nil
    }

    /// Whether the partition cuts `from`–`to` at delivery time.
    func cut(_ from: Int, _ to: Int) -> Bool { from != to && blocked.contains(SimulationSchedule.Link(from, to)) }

    // MARK: helpers

    /// The node index of `id`.
    func index(of id: NodeID) -> Int {
        guard let index = members.firstIndex(where: { $0.id == id }) else { preconditionFailure("unknown node \(id)") }
        return index
    }

    /// The partition and preference list (node indices) of `key`.
    func placement(of key: Key) -> (storageKey: StorageKey, replicas: [Int]) {
        let placement = KeyPlacement(key: key, ring: ring, replication: schedule.replication)
        return (StorageKey(partition: UInt32(placement.partition), key: key), placement.replicas.map(index(of:)))
    }

    /// The versions `node` stores for `key` now (read straight from its store).
    func stored(_ key: StorageKey, at node: Int) -> Version? {
        guard let bytes = try? nodes[node].store.get(key) else { return nil }
        guard let versions = try? versioning.decode(bytes) else { preconditionFailure("unreadable stored versions") }
        return versions
    }

    /// How many of `replicas` have `dot` in their stored history now.
    func holders(of dot: Dot, key: StorageKey, among replicas: [Int]) -> Int {
        replicas.filter { node in stored(key, at: node).map { versioning.history(of: $0).contains(dot) } ?? false }.count
    }
}

/// One node: its durable store, whether it runs, and its current pipeline.
struct SimulatedNode<Versioning: ReplicaVersioning> {
    let index: Int
    let id: NodeID
    /// The same engine the node uses; survives crashes (a durable store).
    let store = InMemoryEngine(shardCount: 1)
    var isUp = true
    /// Moves on at every crash: work of an older incarnation is ignored.
    var incarnation = 0
    /// The running pipeline (nil while crashed).
    var handler: ReplicaHandler<Versioning>?
    /// Its hinted handoff, swept by the world.
    var handoff: HintHandoff<Versioning>?
    /// Client requests delivered to this incarnation and not answered yet.
    var clientRequests = 0

    init(index: Int, id: NodeID) {
        self.index = index
        self.id = id
    }
}

/// A view that never changes (the simulated cluster's ring is static).
struct FixedView: ClusterViewSource {
    let view: ClusterView
    var currentView: ClusterView? { view }
}

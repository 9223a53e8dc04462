import GyreCore
import GyreModel
import GyreStorage

/// Runs simulated clusters: one seed, one deterministic run.
public enum Simulation {
    /// Runs the schedule `seed` draws against nodes versioning with `versioning`.
    public static func run<Versioning: ReplicaVersioning>(seed: UInt64, versioning: Versioning.Type) -> SimulationRun {
        SimulatedCluster<Versioning>(seed: seed).run()
    }

    /// Runs the schedule `seed` draws against the real versioning (``CausalVersioning``).
    public static func run(seed: UInt64) -> SimulationRun {
        run(seed: seed, versioning: CausalVersioning.self)
    }
}

/// What one run produced: its schedule, the checker's input, and the trace.
public struct SimulationRun: Sendable, Equatable {
    public var schedule: SimulationSchedule
    public var history: SimulationHistory
    public var trace: SimulationTrace
    /// Events the simulator processed.
    public var eventCount: Int
    /// How often each fault struck.
    public var faults: FaultCounts
}

/// How often each fault struck in a run: evidence that a schedule's faults overlapped its work.
public struct FaultCounts: Sendable, Equatable, CustomStringConvertible {
    /// Node-to-node messages lost at random.
    public var dropped = 0
    /// Messages lost to the partition.
    public var partitioned = 0
    /// Messages refused by a crashed node.
    public var refused = 0
    /// Storage operations that failed.
    public var storage = 0
    /// Coordinations a crash cut short.
    public var lostCoordinations = 0

    public init() {}

    public static func + (lhs: FaultCounts, rhs: FaultCounts) -> FaultCounts {
        var sum = lhs
        sum.dropped += rhs.dropped
        sum.partitioned += rhs.partitioned
        sum.refused += rhs.refused
        sum.storage += rhs.storage
        sum.lostCoordinations += rhs.lostCoordinations
        return sum
    }

    public var description: String {
        "\(dropped) dropped, \(partitioned) partitioned, \(refused) refused, \(storage) storage faults, "
            + "\(lostCoordinations) coordinations lost to crashes"
    }
}

/// A Gyre cluster in one process, on virtual time: five nodes running the node's request
/// pipeline (the ``ReadCoordinator`` and ``WriteCoordinator`` instances, ``ReplicaVersioning``
/// over an ``InMemoryEngine`` per node), clients doing read-modify-write cycles, and a network
/// that delays, drops, partitions and loses crashed nodes.
///
/// Contract: single-threaded and deterministic: every choice comes from one ``SeededRandom``
/// seeded with the run's seed, events run in (time, sequence) order from an ``EventQueue``,
/// nothing reads a real clock, and no Dictionary or Set is ever iterated where the order could
/// reach the trace. A run has three phases: clients work while the faults of the
/// ``SimulationSchedule`` happen; when every client finished, the cluster heals (partitions
/// removed, crashed nodes restarted, no more drops, spikes or storage faults) and settles; then
/// each key is read at each of its replicas with R = N and the result is recorded
/// (``FinalKeyState``).
final class SimulatedCluster<Versioning: ReplicaVersioning> {
    typealias Version = Versioning.Version

    // MARK: state

    let schedule: SimulationSchedule
    var random: SeededRandom
    var queue = EventQueue<SimulationEvent>()
    var now: UInt64 = 0
    var trace = SimulationTrace()
    var eventCount = 0
    var faults = FaultCounts()
    let timing: CoordinatorTiming
    /// The cluster's context seal: clients get and return sealed contexts, as from a node. Its
    /// cluster id and secret come from a generator of their own (seeded from the run's seed), so
    /// the schedule and every later draw are what they were before contexts were sealed.
    let seal: ContextSeal
    let ring: Ring
    /// Node ids by index; traces and clients use indices.
    let members: [NodeID]
    let keys: [Key]
    var nodes: [SimulatedNode<Version>] = []
    var clients: [SimulatedClient] = []
    var operations: [Operation] = []
    var observations = StorageObservations()
    /// Links currently cut by the partition.
    var blocked: Set<SimulationSchedule.Link> = []
    /// Drops, spikes and storage faults happen only while this is on.
    var faultsOn = true
    var healed = false
    var clientsDone = 0
    var nextRequestID: UInt64 = 1
    /// The final reads' answers, by slot.
    var finalReads: [FinalRead] = []

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let schedule = SimulationSchedule.draw(using: &random)
        var ids: [NodeID] = []
        while ids.count < schedule.nodeCount {
            let id = NodeID.random(using: &random)
            if !ids.contains(id) { ids.append(id) }
        }
        self.schedule = schedule
        self.random = random
        var sealRandom = SeededRandom(seed: seed ^ 0x5EA1_C0DE_5EA1_C0DE)
        seal = ContextSeal(clusterID: ClusterID.random(using: &sealRandom), secret: ClusterSecret.random(using: &sealRandom))
        members = ids
        ring = Ring.claim(members: ids.map { Member(id: $0) }, partitionCount: schedule.partitionCount)
        keys = (0..<schedule.keyCount).map { Key("k\($0)") }
        timing = CoordinatorTiming(replicaTimeout: schedule.replicaTimeout, margin: schedule.deadlineMargin)
        nodes = ids.map { SimulatedNode(id: $0) }
        clients = (0..<schedule.clientCount).map { SimulatedClient(index: $0, remaining: schedule.operationsPerClient) }
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
        if let crash = schedule.crash {
            queue.schedule(.crash(crash.node), at: crash.start)
            queue.schedule(.restart(crash.node), at: crash.end)
        }
        drain()
        if !healed { heal() }
        drain()
        converge()
        let history = SimulationHistory(operations: operations, observations: observations,
                                        finalState: finalState(), writeQuorum: schedule.writeQuorum)
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
        for node in nodes.indices where !nodes[node].isUp { nodes[node].isUp = true }
        trace.record(now, "heal: every link up, every node running, no drops")
    }

    private func handle(_ event: SimulationEvent) {
        switch event {
        case let .deliver(envelope):
            deliver(envelope)
        case let .coordinatorTimeout(node, request):
            coordinatorTimeout(node: node, request: request)
        case let .clientWake(client):
            clientWake(client)
        case let .clientDeadline(client, operation):
            clientDeadline(client: client, operation: operation)
        case let .crash(node):
            guard !healed else { return }
            nodes[node].isUp = false
            let lost = nodes[node].reads.count + nodes[node].writes.count
            faults.lostCoordinations += lost
            nodes[node].reads = [:]
            nodes[node].writes = [:]
            trace.record(now, "crash n\(node) (\(lost) coordinations lost)")
        case let .restart(node):
            guard !healed, !nodes[node].isUp else { return }
            nodes[node].isUp = true
            trace.record(now, "restart n\(node)")
        case .partitionStart:
            guard !healed, let partition = schedule.partition else { return }
            blocked = Set(partition.blocked)
            trace.record(now, "partition starts")
        case .partitionEnd:
            guard !healed else { return }
            blocked = []
            trace.record(now, "partition ends")
        }
    }

    // MARK: network

    /// Sends `message`: delivered after a random delay, unless a node-to-node message is dropped.
    func send(_ message: SimulationMessage, from: SimulationEndpoint, to: SimulationEndpoint) {
        var delay = random.uniform(in: schedule.minDelay...schedule.maxDelay)
        if faultsOn, random.chance(schedule.spikeProbability) {
            delay += random.uniform(in: 30...120) * 1_000_000
        }
        if case .node = from, case .node = to, faultsOn, random.chance(schedule.dropProbability) {
            faults.dropped += 1
            trace.record(now, "drop \(from)→\(to) \(message)")
            return
        }
        queue.schedule(.deliver(SimulationEnvelope(from: from, to: to, message: message)), at: now + delay)
    }

    private func deliver(_ envelope: SimulationEnvelope) {
        switch envelope.to {
        case let .client(client):
            clientReceived(envelope.message, client: client)
        case let .node(node):
            if case let .node(sender) = envelope.from, blocked.contains(SimulationSchedule.Link(sender, node)) {
                faults.partitioned += 1
                trace.record(now, "lost \(envelope.from)→\(envelope.to) \(envelope.message) (partition)")
                return
            }
            guard nodes[node].isUp else {
                faults.refused += 1
                trace.record(now, "refused \(envelope.from)→\(envelope.to) \(envelope.message) (down)")
                // Connection refused: a caller waiting for an answer learns it at once.
                if let request = envelope.message.awaitedRequest {
                    send(.replicaFailed(request: request), from: envelope.to, to: envelope.from)
                }
                return
            }
            trace.record(now, "\(envelope.from)→\(envelope.to) \(envelope.message)")
            nodeReceived(envelope.message, from: envelope.from, at: node)
        }
    }

    // MARK: helpers

    /// The node index of `id`.
    func index(of id: NodeID) -> Int {
        guard let index = members.firstIndex(of: id) else { preconditionFailure("unknown node \(id)") }
        return index
    }

    /// The partition and preference list (node indices) of `key`.
    func placement(of key: Key) -> (storageKey: StorageKey, replicas: [Int]) {
        let partition = ring.partition(for: key)
        let replicas = ring.preferenceList(partition: partition, n: schedule.replication).map(index(of:))
        return (StorageKey(partition: UInt32(partition), key: key), replicas)
    }

    /// True when the storage operation about to run fails (faults on).
    func storageFails() -> Bool {
        guard faultsOn, random.chance(schedule.storageFaultProbability) else { return false }
        faults.storage += 1
        return true
    }

    func newRequestID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }
}

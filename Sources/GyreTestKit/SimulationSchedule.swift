public import GyreModel

/// The shape of one simulated run, drawn from its seed: the cluster, the workload and the faults.
///
/// Contract: ``draw(using:)`` consumes the run's one ``SeededRandom`` first, so a seed fixes the
/// schedule and everything after it. Times are virtual nanoseconds from the start of the run.
public struct SimulationSchedule: Sendable, Equatable, CustomStringConvertible {
    /// Nodes that cannot talk to each other, both directions, from `start` until `end` (or the
    /// heal, whichever comes first).
    public struct Partition: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64
        /// Blocked pairs of node indices, each `(low, high)`, sorted.
        public var blocked: [Link]
    }

    /// A node that stops (sending nothing, refusing connections, losing its in-flight requests)
    /// at `start` and restarts with its storage intact at `end` (or the heal).
    public struct Crash: Sendable, Equatable {
        public var node: Int
        public var start: UInt64
        public var end: UInt64
    }

    /// An unordered pair of node indices, stored `(low, high)`.
    public struct Link: Sendable, Hashable, Comparable {
        public let low: Int
        public let high: Int

        public init(_ a: Int, _ b: Int) {
            low = min(a, b)
            high = max(a, b)
        }

        public static func < (lhs: Link, rhs: Link) -> Bool { (lhs.low, lhs.high) < (rhs.low, rhs.high) }
    }

    public var seed: UInt64
    public var nodeCount = 5
    public var replication = 3
    public var readQuorum = 2
    public var writeQuorum = 2
    public var partitionCount = 64
    public var clientCount: Int
    public var keyCount: Int
    public var operationsPerClient: Int
    /// A client's pause between operations is uniform in `0...maxThinkTime`.
    public var maxThinkTime: UInt64 = 10_000_000
    /// Every message's delay is uniform in `minDelay...maxDelay`.
    public var minDelay: UInt64 = 100_000
    public var maxDelay: UInt64
    /// Node-to-node messages lost at random while faults are on.
    public var dropProbability: Double
    /// Messages delayed a further 30–120 ms while faults are on (stragglers, missed deadlines).
    public var spikeProbability: Double
    /// Storage reads and writes that fail while faults are on: a read fails; a write fails
    /// either before anything is written or after it was applied (half and half).
    public var storageFaultProbability: Double
    /// A storage operation completes uniformly `minStorageDelay...maxStorageDelay` after it was
    /// asked for (RocksDB completes on its own threads, after a group commit).
    public var minStorageDelay: UInt64 = 20_000
    public var maxStorageDelay: UInt64 = 1_500_000
    /// The caps on client writes: small, so that cap refusals happen.
    public var versionLimits = Self.defaultVersionLimits
    public static let defaultVersionLimits = VersionSetLimits(maxValues: 3)
    public var partition: Partition?
    public var crash: Crash?
    /// A second node down at once, in some schedules: a key can lose two of its three owners.
    public var secondCrash: Crash?
    /// The coordinators' `--replica-timeout`.
    public var replicaTimeout: UInt64 = 50_000_000
    /// The coordinators' margin before the client's deadline.
    public var deadlineMargin: UInt64 = 5_000_000
    /// A client's deadline after sending a request; it gives up then.
    public var clientTimeout: UInt64 = 100_000_000

    /// A schedule drawn from `random` (which the run then keeps using).
    public static func draw(using random: inout SeededRandom) -> SimulationSchedule {
        let ms: UInt64 = 1_000_000
        let nodeCount = 5
        var schedule = SimulationSchedule(
            seed: random.seed,
            clientCount: random.uniform(in: 3...5),
            keyCount: random.uniform(in: 3...6),
            operationsPerClient: random.uniform(in: 6...12),
            maxDelay: random.uniform(in: 1...20) * ms,
            dropProbability: random.chance(0.8) ? random.fraction(upTo: 0.05) : 0,
            spikeProbability: random.chance(0.3) ? 0.02 : 0,
            storageFaultProbability: random.chance(0.3) ? random.fraction(upTo: 0.03) : 0
        )
        // Faults start and end within the clients' expected working time, so they overlap it.
        let span = schedule.expectedWorkingTime
        if random.chance(0.75) {
            var blocked: [Link] = []
            if random.chance(0.5) {
                // A clean split: one or two nodes cut off from the rest.
                var island: [Int] = []
                let size = random.uniform(in: 1...2)
                while island.count < size {
                    let node = random.index(below: nodeCount)
                    if !island.contains(node) { island.append(node) }
                }
                for a in island {
                    for b in 0..<nodeCount where !island.contains(b) { blocked.append(Link(a, b)) }
                }
            } else {
                // Any set of links (asymmetric reachability: A sees B sees C, A does not see C).
                for a in 0..<nodeCount {
                    for b in (a + 1)..<nodeCount where random.chance(0.3) { blocked.append(Link(a, b)) }
                }
                if blocked.isEmpty { blocked.append(Link(0, 1 + random.index(below: nodeCount - 1))) }
            }
            let start = random.below(span * 6 / 10)
            schedule.partition = Partition(start: start, end: start + span / 10 + random.below(span * 7 / 10),
                                           blocked: blocked.sorted())
        }
        if random.chance(0.75) {
            let start = random.below(span * 6 / 10)
            schedule.crash = Crash(node: random.index(below: nodeCount), start: start,
                                   end: start + span / 10 + random.below(span * 7 / 10))
        }
        // Long outages: in some schedules the crashed node stays down until the heal (the
        // clients finish without it), and in some a second node goes down too, for as long.
        if var crash = schedule.crash {
            if random.chance(0.25) {
                crash.end = crash.start + 3 * span
                schedule.crash = crash
            }
            if random.chance(0.3) {
                var other = random.index(below: nodeCount)
                if other == crash.node { other = (other + 1) % nodeCount }
                let start = random.below(span * 6 / 10)
                let long = random.chance(0.5)
                schedule.secondCrash = Crash(node: other, start: start,
                                             end: long ? start + 3 * span : start + span / 10 + random.below(span * 7 / 10))
            }
        }
        return schedule
    }

    /// About how long the clients take for their operations (think time, then a request, two
    /// replica messages and an answer per operation), from which the faults' times are drawn.
    public var expectedWorkingTime: UInt64 {
        UInt64(operationsPerClient) * (maxThinkTime / 2 + 2 * (minDelay + maxDelay))
    }

    public var description: String {
        var parts = ["seed \(seed)", "\(clientCount) clients × \(operationsPerClient) ops on \(keyCount) keys",
                     "delay \(SimulationTrace.format(minDelay))–\(SimulationTrace.format(maxDelay))"]
        if dropProbability > 0 { parts.append("drops \(Int(dropProbability * 1000))‰") }
        if spikeProbability > 0 { parts.append("spikes \(Int(spikeProbability * 1000))‰") }
        if storageFaultProbability > 0 { parts.append("storage faults \(Int(storageFaultProbability * 1000))‰") }
        if let partition {
            let links = partition.blocked.map { "n\($0.low)-n\($0.high)" }.joined(separator: " ")
            parts.append("partition [\(links)] \(SimulationTrace.format(partition.start))–\(SimulationTrace.format(partition.end))")
        }
        for crash in [crash, secondCrash].compactMap({ $0 }) {
            parts.append("crash n\(crash.node) \(SimulationTrace.format(crash.start))–\(SimulationTrace.format(crash.end))")
        }
        return parts.joined(separator: ", ")
    }
}

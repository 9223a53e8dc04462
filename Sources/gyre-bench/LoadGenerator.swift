import ArgumentParser
import GyreHTTP2
import GyreModel
import GyreRPC
import NIOCore
import Synchronization

enum BenchTarget: String, ExpressibleByArgument, CaseIterable, Sendable {
    case gyre, etcd
}

enum BenchOperation: String, ExpressibleByArgument, CaseIterable, Sendable {
    case put, get

    func path(for target: BenchTarget) -> String {
        switch (target, self) {
        case (.gyre, .put): "/gyre.v1.KV/Put"
        case (.gyre, .get): "/gyre.v1.KV/Get"
        case (.etcd, .put): "/etcdserverpb.KV/Put"
        case (.etcd, .get): "/etcdserverpb.KV/Range"
        }
    }

    /// The name the report uses (etcd's read is `Range`).
    func methodName(for target: BenchTarget) -> String {
        switch (target, self) {
        case (_, .put): "Put"
        case (.gyre, .get): "Get"
        case (.etcd, .get): "Range"
        }
    }
}

/// Which connection a request goes out on.
enum Routing: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Connection c goes to address c mod A. Worker w sends to address w mod A (so every
    /// server gets the same share of the load even when A does not divide K), on connection
    /// (w / A) mod k_a of the k_a connections to that address.
    case roundRobin = "round-robin"
    /// Gyre only: each key goes to the owner of its partition (the first node of its preference
    /// list), on one of the connections to that node's client address.
    case ring
}

/// What one load run does.
struct LoadPlan: Sendable {
    enum Mode: Sendable {
        /// Fresh keys `prefix/worker/sequence`, for a bounded time.
        case put
        /// Keys `prefix/i`, i uniform in 0..<keys, for a bounded time.
        case get
        /// Puts keys `prefix/0` ..< `prefix/keys` once each (worker w takes i ≡ w mod C).
        case preload
    }

    var target: BenchTarget
    var mode: Mode
    var concurrency: Int
    var keys: Int
    var keyPrefix: String
    var value: [UInt8]
    var timeoutNanoseconds: UInt64?
    var warmupNanoseconds: UInt64
    var durationNanoseconds: UInt64
    var seed: UInt64

    var operation: BenchOperation { mode == .get ? .get : .put }
}

/// What one run measured. "Measured" counts are calls that completed inside the window
/// [start + warm-up, start + warm-up + duration); "total" counts are every call of the run
/// (warm-up and drain included), for comparing with the servers' counters.
struct LoadResult: Sendable {
    var histogram = LatencyHistogram()
    var measuredOK: UInt64 = 0
    var measuredErrors: [String: UInt64] = [:]
    var measuredBad: [String: UInt64] = [:]
    var totalOK: UInt64 = 0
    var totalErrors: [String: UInt64] = [:]
    var totalBad: [String: UInt64] = [:]
    /// One message per error code, to say what went wrong.
    var errorSamples: [String: String] = [:]
    var windowNanoseconds: UInt64 = 0
    var serverCPUMicroseconds: Double?
    var clientCPUMicroseconds: Double?
    /// Workers still waiting for an answer when the drain time ran out.
    var stuck = 0

    mutating func merge(_ worker: WorkerTally) {
        histogram.merge(worker.histogram)
        measuredOK += worker.measuredOK
        totalOK += worker.totalOK
        for (code, count) in worker.measuredErrors { measuredErrors[code, default: 0] += count }
        for (code, count) in worker.totalErrors { totalErrors[code, default: 0] += count }
        for (reason, count) in worker.measuredBad { measuredBad[reason, default: 0] += count }
        for (reason, count) in worker.totalBad { totalBad[reason, default: 0] += count }
        for (code, message) in worker.errorSamples where errorSamples[code] == nil { errorSamples[code] = message }
    }
}

/// One worker's counts (owned by the worker until the run is over).
struct WorkerTally: Sendable {
    var histogram = LatencyHistogram()
    var measuredOK: UInt64 = 0
    var totalOK: UInt64 = 0
    var measuredErrors: [String: UInt64] = [:]
    var totalErrors: [String: UInt64] = [:]
    var measuredBad: [String: UInt64] = [:]
    var totalBad: [String: UInt64] = [:]
    var errorSamples: [String: String] = [:]
}

/// Drives a fixed number of calls in flight over a fixed set of connections for a bounded time.
///
/// Contract: `concurrency` workers each keep exactly one call in flight: when a call completes
/// (on its connection's event loop, through the callback API: no task per call) the worker
/// records it and starts the next, until the window ends. A worker is touched by one thread at a
/// time (its one call hands it from loop to loop), so its counters need no lock. Every response's
/// `grpc-status` is checked, and every OK response's body (``ResponseCheck``).
final class LoadGenerator: Sendable {
    let plan: LoadPlan
    let connections: [ClientConnection]
    /// For each address that has connections, the indices of those connections.
    let connectionsByAddress: [[Int]]
    /// For ``Routing/ring``: the connections serving each partition's owner, by partition.
    let routes: RingRoutes?
    let serverPIDs: [Int32]

    /// `addressOf[c]` is the index of the address connection `c` goes to.
    init(plan: LoadPlan, connections: [ClientConnection], addressOf: [Int], routes: RingRoutes?, serverPIDs: [Int32]) {
        precondition(!connections.isEmpty && plan.concurrency > 0 && addressOf.count == connections.count)
        self.plan = plan
        self.connections = connections
        connectionsByAddress = Dictionary(grouping: connections.indices, by: { addressOf[$0] })
            .sorted { $0.key < $1.key }.map(\.value)
        self.routes = routes
        self.serverPIDs = serverPIDs
    }

    /// Runs the plan; returns when every worker stopped or `drainNanoseconds` after the window.
    func run(drainNanoseconds: UInt64 = 10_000_000_000) async -> LoadResult {
        let begin = now()
        let measureStart = begin + plan.warmupNanoseconds
        let measureEnd = plan.mode == .preload ? UInt64.max : measureStart + plan.durationNanoseconds
        let state = RunState(measureStart: measureStart, measureEnd: measureEnd, workers: plan.concurrency)
        let workers = (0..<plan.concurrency).map { Worker(index: $0, generator: self, state: state) }
        for worker in workers { worker.issue() }

        var result = LoadResult()
        if plan.mode == .preload {
            while state.active.load(ordering: .acquiring) > 0 { try? await Task.sleep(nanoseconds: 5_000_000) }
            result.windowNanoseconds = now() - begin
        } else {
            await sleep(until: measureStart)
            let server0 = ProcessCPU.microseconds(pids: serverPIDs)
            let client0 = ProcessCPU.microseconds(pid: 0)
            await sleep(until: measureEnd)
            let server1 = ProcessCPU.microseconds(pids: serverPIDs)
            let client1 = ProcessCPU.microseconds(pid: 0)
            if let server0, let server1, !serverPIDs.isEmpty { result.serverCPUMicroseconds = server1 - server0 }
            if let client0, let client1 { result.clientCPUMicroseconds = client1 - client0 }
            // Completions are counted against the planned window.
            result.windowNanoseconds = plan.durationNanoseconds
            let drainEnd = now() + drainNanoseconds
            while state.active.load(ordering: .acquiring) > 0 && now() < drainEnd {
                try? await Task.sleep(nanoseconds: 5_000_000)
            }
        }
        result.stuck = state.active.load(ordering: .acquiring)
        // Workers still in flight (stuck) are left out: their tallies may still change.
        for worker in workers where worker.isStopped { result.merge(worker.tally) }
        return result
    }

    private func sleep(until deadline: UInt64) async {
        let current = now()
        if deadline > current { try? await Task.sleep(nanoseconds: deadline - current) }
    }
}

/// What the workers of one run share.
final class RunState: Sendable {
    let measureStart: UInt64
    let measureEnd: UInt64
    /// Workers that have not stopped yet.
    let active: Atomic<Int>

    init(measureStart: UInt64, measureEnd: UInt64, workers: Int) {
        self.measureStart = measureStart
        self.measureEnd = measureEnd
        active = Atomic(workers)
    }
}

@inline(__always) func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// The ring, as connections: partition → the connections to its owner's client address.
struct RingRoutes: Sendable {
    let partitionCount: Int
    /// For each partition, the indices (into the generator's connections) that reach its owner.
    let connectionsByPartition: [[Int]]
}

/// One slot of concurrency: a call in flight, then the next.
private final class Worker: @unchecked Sendable {
    // @unchecked: a worker is used by one thread at a time. Its single call in flight carries it
    // from the thread that starts the call to the event loop that completes it (through NIO's
    // task queue, which orders the accesses), and the run reads the tally only after the worker
    // stopped (published by the release-decrement of `state.active`).
    let index: Int
    let generator: LoadGenerator
    let state: RunState
    let check: ResponseCheck
    let path: String
    private(set) var tally = WorkerTally()
    private(set) var isStopped = false
    private var sequence: UInt64 = 0
    private var random: UInt64
    /// `prefix/` (get, preload) or `prefix/worker/` (put), followed by the decimal number.
    private let keyHead: [UInt8]

    init(index: Int, generator: LoadGenerator, state: RunState) {
        let plan = generator.plan
        self.index = index
        self.generator = generator
        self.state = state
        check = ResponseCheck(target: plan.target, operation: plan.operation, value: plan.value)
        path = plan.operation.path(for: plan.target)
        // SplitMix64 of (seed, index): independent streams per worker.
        random = Worker.splitMix(plan.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        switch plan.mode {
        case .put: keyHead = Array("\(plan.keyPrefix)/\(index)/".utf8)
        case .get, .preload: keyHead = Array("\(plan.keyPrefix)/".utf8)
        }
        if plan.mode == .preload { sequence = UInt64(index) }
    }

    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next key, or nil when a preload worker has written all of its keys.
    private func nextKey() -> [UInt8]? {
        let plan = generator.plan
        let number: UInt64
        switch plan.mode {
        case .put:
            number = sequence
            sequence += 1
        case .get:
            random = Worker.splitMix(random)
            number = random % UInt64(plan.keys)
        case .preload:
            guard sequence < UInt64(plan.keys) else { return nil }
            number = sequence
            sequence += UInt64(plan.concurrency)
        }
        var key = keyHead
        key.reserveCapacity(keyHead.count + 20)
        appendDecimal(&key, number)
        return key
    }

    private func appendDecimal(_ out: inout [UInt8], _ value: UInt64) {
        if value >= 10 { appendDecimal(&out, value / 10) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private func connection(for key: [UInt8]) -> ClientConnection {
        let connections = generator.connections
        if let routes = generator.routes {
            let partition = KeyHash.partition(for: Key(key), partitionCount: routes.partitionCount)
            let choices = routes.connectionsByPartition[partition]
            return connections[choices[index % choices.count]]
        }
        let groups = generator.connectionsByAddress
        let group = groups[index % groups.count]
        return connections[group[(index / groups.count) % group.count]]
    }

    func issue() {
        let start = now()
        guard start < state.measureEnd, let key = nextKey() else { return stop() }
        let plan = generator.plan
        let body = BenchMessages.framedRequest(key: key, value: plan.mode == .get ? nil : plan.value)
        let connection = connection(for: key)
        connection.start(path: path, framedRequest: body, timeoutNanoseconds: plan.timeoutNanoseconds) { response in
            self.completed(response, start: start, on: connection)
        }
    }

    private func completed(_ response: ClientResponse, start: UInt64, on connection: ClientConnection) {
        let end = now()
        let measured = end >= state.measureStart && end < state.measureEnd
        if response.status.code == .ok {
            let problem = response.messages.count == 1 ? check.problem(in: response.messages[0])
                : "\(response.messages.count) response messages"
            if let problem {
                tally.totalBad[problem, default: 0] += 1
                if measured { tally.measuredBad[problem, default: 0] += 1 }
            } else {
                tally.totalOK += 1
                if measured {
                    tally.measuredOK += 1
                    tally.histogram.record(end - start)
                }
            }
        } else {
            let code = response.status.code.description
            tally.totalErrors[code, default: 0] += 1
            if measured { tally.measuredErrors[code, default: 0] += 1 }
            if tally.errorSamples[code] == nil { tally.errorSamples[code] = response.status.message }
            if generator.plan.mode == .preload { return stop() } // preload must not skip keys
            if response.notProcessed {
                // Refused or not connected (possibly finished inside `start`): retry a little
                // later instead of recursing at full speed.
                connection.channel.eventLoop.scheduleTask(in: .milliseconds(1)) { self.issue() }
                return
            }
        }
        issue()
    }

    private func stop() {
        isStopped = true
        state.active.wrappingSubtract(1, ordering: .releasing)
    }
}

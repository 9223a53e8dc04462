import Foundation
import GyreClient
import Synchronization

/// What one YCSB phase does.
struct YCSBPlan: Sendable {
    var workload: YCSBWorkload
    var distribution: KeyChooser.Distribution
    var records: Int
    var keyPrefix: String
    var value: [UInt8]
    var concurrency: Int
    /// Stop after this many operations (nil: only the duration bounds the run).
    var operations: Int?
    /// Stop after this long (nil: only the operation count bounds the run).
    var duration: Duration?
    /// Open loop: operations are due at this total rate, and latency counts from when each was due.
    var targetRate: Double?
    var seed: UInt64
    var options: GyreCallOptions
    /// Benchmarks of routing: each client call waits this long before it is sent and again
    /// before its answer is used (a stand-in for the client's network hop).
    var hopDelay: Duration?

    func key(_ index: Int) -> [UInt8] { Array("\(keyPrefix)/\(index)".utf8) }
}

/// Runs a YCSB load or run phase on a ``GyreClient`` with fixed concurrency.
///
/// Contract: `concurrency` tasks share one operation counter; each claims the next operation
/// number until the count or the duration is reached. In open-loop mode operation k is due at
/// start + k / rate: a task waits for that time and measures latency from it, so a stall shows
/// as the latency of every operation it delayed (no coordinated omission). An update writes with
/// the context last seen for its key (from this run's reads and writes), as a user replacing a
/// record would; an insert writes a new record numbered after every record so far.
final class YCSBRunner: Sendable {
    let client: GyreClient
    let plan: YCSBPlan
    private let claimed = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    private let inserted: Atomic<Int>
    private let contexts = Mutex<[Int: GyreContext]>([:])
    private let zeta: Double

    init(client: GyreClient, plan: YCSBPlan) {
        self.client = client
        self.plan = plan
        inserted = Atomic(plan.records)
        zeta = plan.distribution == .uniform ? 1 : Zipfian.zeta(max(1, plan.records))
    }

    /// Inserts records 0..<records (the load phase).
    func load() async -> (OperationStats, Duration) {
        await drive((0..<plan.concurrency).map { _ in OperationStats() }) { runner, worker, stats in
            while true {
                let index = runner.claimed.add(1, ordering: .relaxed).oldValue
                if index >= runner.plan.records { return }
                await runner.timed(.insert, due: nil, stats: &stats) { stats in
                    stats.putCalls += 1
                    let written = try await runner.hop { try await runner.client.put(runner.plan.key(index), value: runner.plan.value,
                                                                                     options: runner.plan.options) }
                    runner.remember(index, written.context)
                }
            }
        }
    }

    /// Runs the workload's mix until the operation count or the duration is reached.
    func run() async -> (OperationStats, Duration) {
        // Every worker's histograms exist before the schedule starts: making 64 of them on the
        // loop (a few MB zeroed) delayed the first operations due by 30 ms.
        let prepared = (0..<plan.concurrency).map { _ in OperationStats() }
        let start = ContinuousClock.now
        let end = plan.duration.map { start + $0 }
        return await drive(prepared) { runner, worker, stats in
            var chooser = KeyChooser(runner.plan.distribution, records: runner.plan.records,
                                     seed: runner.plan.seed &+ UInt64(worker) &* 0x9E37_79B9, zeta: runner.zeta)
            var random = SplitMix64(seed: runner.plan.seed ^ (UInt64(worker) &+ 1) &* 0xD1B5_4A32_D192_ED03)
            while true {
                let number = runner.claimed.add(1, ordering: .relaxed).oldValue
                if let limit = runner.plan.operations, number >= limit { return }
                var due: ContinuousClock.Instant?
                if let rate = runner.plan.targetRate {
                    let at = start + .nanoseconds(Int64(Double(number) / rate * 1e9))
                    if let end, at >= end { return }
                    if at > .now { try? await Task.sleep(until: at, clock: .continuous) }
                    due = at
                } else if let end, ContinuousClock.now >= end {
                    return
                }
                let u = Double(random.next() >> 11) / Double(1 << 53)
                let operation = runner.plan.workload.operation(u)
                await runner.perform(operation, chooser: &chooser, due: due, stats: &stats)
            }
        }
    }

    private func perform(_ operation: YCSBOperation, chooser: inout KeyChooser, due: ContinuousClock.Instant?,
                         stats: inout OperationStats) async {
        let records = inserted.load(ordering: .relaxed)
        switch operation {
        case .read:
            let index = chooser.next(records: records)
            await timed(.read, due: due, stats: &stats) { stats in
                stats.getCalls += 1
                let read = try await hop { try await client.get(plan.key(index), options: plan.options) }
                remember(index, read.context)
            }
        case .update:
            let index = chooser.next(records: records)
            let context = contexts.withLock { $0[index] } ?? .none
            await timed(.update, due: due, stats: &stats) { stats in
                stats.putCalls += 1
                let written = try await hop { try await client.put(plan.key(index), value: plan.value, context: context,
                                                                   options: plan.options) }
                remember(index, written.context)
            }
        case .insert:
            let index = inserted.add(1, ordering: .relaxed).oldValue
            await timed(.insert, due: due, stats: &stats) { stats in
                stats.putCalls += 1
                let written = try await hop { try await client.put(plan.key(index), value: plan.value, options: plan.options) }
                remember(index, written.context)
            }
        case .readModifyWrite:
            let index = chooser.next(records: records)
            await timed(.readModifyWrite, due: due, stats: &stats) { stats in
                stats.getCalls += 1
                let merges = MergeCount()
                defer { stats.putCalls += UInt64(merges.value) }
                // Siblings merge to the greatest value (a join); the change is a fresh value.
                let written = try await hop {
                    try await client.readModifyWrite(plan.key(index), options: plan.options, merge: { siblings in
                        merges.increment()
                        return siblings.max { $0.lexicographicallyPrecedes($1) } ?? []
                    }, modify: { _ in plan.value })
                }
                remember(index, written.context)
            }
        }
    }

    /// Runs `body`, recording its latency (from `due` in open loop) or its error kind.
    private func timed(_ operation: YCSBOperation, due: ContinuousClock.Instant?, stats: inout OperationStats,
                       _ body: (inout OperationStats) async throws -> Void) async {
        let started = due ?? .now
        do {
            try await body(&stats)
            let elapsed = ContinuousClock.now - started
            stats.record(operation, microseconds: UInt64(max(0, elapsed.components.seconds)) * 1_000_000
                + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
            completed.add(1, ordering: .relaxed)
        } catch let error as GyreClientError {
            stats.failed(operation, Self.kind(error))
            failed.add(1, ordering: .relaxed)
        } catch {
            stats.failed(operation, "other")
            failed.add(1, ordering: .relaxed)
        }
    }

    private func hop<T>(_ call: () async throws -> T) async throws -> T {
        guard let delay = plan.hopDelay else { return try await call() }
        try? await Task.sleep(for: delay)
        let result = try await call()
        try? await Task.sleep(for: delay)
        return result
    }

    private func remember(_ index: Int, _ context: GyreContext) {
        contexts.withLock { $0[index] = context }
    }

    /// `concurrency` tasks running `worker`, each recording into its own of `prepared`; their
    /// stats merged, and the phase's wall time.
    private func drive(_ prepared: [OperationStats],
                       _ worker: @escaping @Sendable (YCSBRunner, Int, inout OperationStats) async -> Void) async
        -> (OperationStats, Duration) {
        let start = ContinuousClock.now
        let total = await withTaskGroup(of: OperationStats.self) { group in
            for index in 0..<plan.concurrency {
                // On the client's event loops: a call's answer resumes its worker where it arrived.
                group.addTask(executorPreference: client.taskExecutor()) {
                    var stats = prepared[index]
                    await worker(self, index, &stats)
                    return stats
                }
            }
            var total = OperationStats()
            for await stats in group { total.add(stats) }
            return total
        }
        return (total, ContinuousClock.now - start)
    }

    static func kind(_ error: GyreClientError) -> String {
        switch error {
        case .invalidArgument: "INVALID_ARGUMENT"
        case .tooManySiblings: "FAILED_PRECONDITION"
        case .unavailable, .noRing: "UNAVAILABLE"
        case .possiblyApplied: "POSSIBLY_APPLIED"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .overloaded: "RESOURCE_EXHAUSTED"
        case .cancelled: "CANCELLED"
        case let .server(code, _): "STATUS_\(code)"
        case .configuration: "CONFIGURATION"
        }
    }
}

/// Counts the merge rounds of one read-modify-write (one put each).
final class MergeCount: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

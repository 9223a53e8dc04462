public import ArgumentParser
import Foundation
import GyreClient
import Synchronization

/// `gyre-bench ycsb`: YCSB's core workloads on the GyreClient SDK.
struct YCSBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ycsb",
        abstract: "Run a YCSB core workload (A, B, C, D, F) through the GyreClient SDK.",
        discussion: """
            The load phase inserts records PREFIX/0 ..< PREFIX/RECORDS; the run phase draws keys \
            uniform, zipfian (scrambled, θ 0.99) or latest and runs the workload's mix: A 50 % \
            read 50 % update, B 95/5, C read only, D 95 % read 5 % insert with latest keys, F \
            50 % read 50 % read-modify-write. An update writes with the context last seen for its \
            key. --concurrency calls stay in flight (closed loop), or with --target-rate \
            operations are due at that rate and latency counts from when each was due (open \
            loop: stalls are not hidden). Prints one line per operation kind with p50, p90, p99, \
            p99.9 and max, then the JSON report (also written to --report). Exit status 3 when \
            some operation failed.
            """)

    @Option(help: "Client addresses to learn the ring from, comma-separated HOST:PORT.")
    var seeds: String = "127.0.0.1:7100"

    @OptionGroup var tls: TLSOptions

    @Option(help: "Workload: a, b, c, d or f.")
    var workload: YCSBWorkload.Letter = .a

    @Option(help: "load, run, or both (load then run).")
    var phase: Phase = .both

    @Option(help: "Records inserted by the load phase (and drawn from by the run phase).")
    var records: Int = 1000

    @Option(help: "Operations of the run phase (default 10000 when --duration is not given).")
    var operations: Int?

    @Option(help: "Seconds of the run phase.")
    var duration: Double?

    @Option(help: "Operations in flight (closed loop), or tasks issuing them (open loop).")
    var concurrency: Int = 16

    @Option(help: "Open loop: operations per second due over the run (latency counts from when each was due).")
    var targetRate: Double?

    @Option(help: "Key choice: uniform, zipfian or latest (default: the workload's).")
    var distribution: KeyChooser.Distribution?

    @Option(help: "Bytes per value.")
    var valueBytes: Int = 100

    @Option(help: "Key prefix.")
    var keyPrefix: String = "ycsb"

    @Option(help: "Seed of the key and operation choices.")
    var seed: UInt64 = 1

    @Option(help: "Read quorum (0: the cluster's default).")
    var r: UInt32 = 0

    @Option(help: "Write quorum (0: the cluster's default).")
    var w: UInt32 = 0

    @Option(help: "preference-list (client routing) or any-node (a random member per request, which forwards).")
    var routing: GyreRouting = .preferenceList

    @Option(help: "Benchmarks of routing: delay each call and its answer by this many ms (the client's network hop).")
    var hopDelayMs: Double = 0

    @Option(help: "Per-call deadline in ms.")
    var timeoutMs: Int = 5000

    @Option(help: "Client event-loop threads.")
    var threads: Int = 1

    @Option(help: "Also write the JSON report(s) here, one per line.")
    var report: String?

    enum Phase: String, ExpressibleByArgument, CaseIterable {
        case load, run, both
    }

    mutating func validate() throws {
        guard records >= 1, concurrency >= 1, valueBytes >= 0, threads >= 1, timeoutMs > 0 else {
            throw ValidationError("--records, --concurrency, --threads and --timeout-ms must be positive, --value-bytes >= 0")
        }
        if let operations, operations < 0 { throw ValidationError("--operations must not be negative") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if let targetRate, targetRate <= 0 { throw ValidationError("--target-rate must be positive") }
        guard hopDelayMs >= 0 else { throw ValidationError("--hop-delay-ms must not be negative") }
    }

    mutating func run() async throws {
        var configuration = GyreClientConfiguration(
            seeds: seeds.split(separator: ",").map { String($0) },
            tls: tls.tlsCa.map { GyreTLS(caFile: $0, certificateFile: tls.tlsCert, keyFile: tls.tlsKey) })
        configuration.defaultDeadline = .milliseconds(timeoutMs)
        configuration.routing = routing
        configuration.eventLoopThreads = threads
        let client: GyreClient
        do {
            client = try await GyreClient.connect(configuration)
        } catch {
            FileHandle.standardError.write(Data("gyre-bench: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let chosen = YCSBWorkload(workload)
        let plan = YCSBPlan(
            workload: chosen, distribution: distribution ?? chosen.defaultDistribution, records: records,
            keyPrefix: keyPrefix, value: BenchMessages.benchValue(count: valueBytes), concurrency: concurrency,
            operations: operations ?? (duration == nil ? 10_000 : nil), duration: duration.map { .milliseconds(Int64($0 * 1000)) },
            targetRate: targetRate, seed: seed, options: GyreCallOptions(r: r, w: w),
            hopDelay: hopDelayMs > 0 ? .microseconds(Int64(hopDelayMs * 1000)) : nil)
        var reports: [String] = []
        var failures: UInt64 = 0
        for step in phase == .both ? [Phase.load, .run] : [phase] {
            let runner = YCSBRunner(client: client, plan: plan)
            let progress = ProgressLine(label: "ycsb \(step.rawValue)", completed: { runner.completed.load(ordering: .relaxed) },
                                        failed: { runner.failed.load(ordering: .relaxed) })
            let (stats, elapsed) = step == .load ? await runner.load() : await runner.run()
            progress.stop()
            let result = YCSBReport(phase: step.rawValue, workload: chosen, distribution: plan.distribution, plan: plan,
                                    routing: routing.rawValue, stats: stats, elapsed: elapsed)
            for line in result.lines { print(line) }
            print(result.json)
            reports.append(result.json)
            failures += stats.failures
        }
        await client.close()
        if let report {
            FileManager.default.createFile(atPath: report, contents: Data((reports.joined(separator: "\n") + "\n").utf8))
        }
        if failures > 0 { throw ExitCode(3) }
    }
}

extension YCSBWorkload.Letter: ExpressibleByArgument {}
extension KeyChooser.Distribution: ExpressibleByArgument {}
extension GyreRouting: ExpressibleByArgument {}

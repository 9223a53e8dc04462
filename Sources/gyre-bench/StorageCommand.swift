import ArgumentParser
import Foundation
import GyreModel
import GyreStorage
import Synchronization

/// The storage engine to measure.
enum StorageEngineKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    case rocksdb, memory
}

/// `gyre-bench storage`: a micro-benchmark of one storage engine in this process, no network.
struct StorageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Measure a storage engine alone: puts/s, gets/s and WAL syncs per write.",
        discussion: """
            Phase 1: --writers threads each put fresh keys (w<WRITER>/<SEQ>, spread over \
            --partitions partitions) with the synchronous update for --seconds; every put returns \
            only once durable per --sync. Phase 2: --readers threads get random keys written in \
            phase 1 for --seconds. Prints a summary, then one JSON line.
            """)

    @Option(help: "rocksdb or memory.")
    var engine: StorageEngineKind = .rocksdb

    @Option(help: "RocksDB sync policy: always, interval:MS or none.")
    var sync: String = "always"

    @Option(help: "Writer threads.")
    var writers: Int = 1

    @Option(help: "Reader threads (default: as many as writers).")
    var readers: Int?

    @Option(help: "Seconds per phase.")
    var seconds: Double = 5

    @Option(help: "Bytes per value.")
    var valueBytes: Int = 100

    @Option(help: "Partitions the keys are spread over.")
    var partitions: Int = 4096

    @Option(help: "RocksDB store directory (must be new or empty; default: a temporary one, removed after).")
    var dir: String?

    mutating func validate() throws {
        guard writers >= 1, (readers ?? 1) >= 1 else { throw ValidationError("--writers and --readers must be at least 1") }
        guard seconds > 0, valueBytes >= 0, partitions >= 1 else {
            throw ValidationError("--seconds must be positive, --value-bytes >= 0, --partitions >= 1")
        }
        do { _ = try SyncPolicy(parsing: sync) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        let policy = try SyncPolicy(parsing: sync)
        var temporary: String?
        let store: any StorageEngine
        switch engine {
        case .memory:
            store = InMemoryEngine()
        case .rocksdb:
            let path = dir ?? {
                let made = NSTemporaryDirectory() + "gyre-storage-bench-\(UUID().uuidString)"
                temporary = made
                return made
            }()
            store = try RocksDBEngine.open(directory: path, sync: policy)
        }
        defer {
            store.close()
            if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
        }
        let readerCount = readers ?? writers
        let value = [UInt8](repeating: 0x5A, count: valueBytes)
        let partitionCount = UInt32(partitions)
        @Sendable func key(_ writer: Int, _ sequence: Int) -> StorageKey {
            let key = Key("w\(writer)/\(sequence)")
            return StorageKey(partition: UInt32(truncatingIfNeeded: KeyHash.hash(key) % UInt64(partitionCount)), key: key)
        }

        let before = store.statistics
        let counters = StorageBenchCounters(writers: writers)
        let putSeconds = Self.phase(threads: writers, seconds: seconds) { writer, until in
            var sequence = 0
            var latencies = LatencyHistogram()
            while ContinuousClock.now < until {
                let start = ContinuousClock.now
                do {
                    try store.update(key(writer, sequence)) { _ in value }
                    sequence += 1
                } catch {
                    counters.putErrors.add(1, ordering: .relaxed)
                }
                latencies.record(Self.nanoseconds(ContinuousClock.now - start))
            }
            counters.written.withLock { $0[writer] = sequence }
            return latencies
        }
        let after = store.statistics
        let written = counters.written.withLock { $0 }
        let puts = written.reduce(0, +)
        let getSeconds = Self.phase(threads: readerCount, seconds: seconds) { reader, until in
            var random = SystemRandomNumberGenerator()
            var count = 0
            var latencies = LatencyHistogram()
            while ContinuousClock.now < until {
                let writer = Int.random(in: 0..<writers, using: &random)
                let limit = written[writer]
                guard limit > 0 else { continue }
                let start = ContinuousClock.now
                if (try? store.get(key(writer, Int.random(in: 0..<limit, using: &random)))) == value { count += 1 } else {
                    counters.getErrors.add(1, ordering: .relaxed)
                }
                latencies.record(Self.nanoseconds(ContinuousClock.now - start))
            }
            counters.gotten.add(count, ordering: .relaxed)
            return latencies
        }

        let putRate = Double(puts) / putSeconds.seconds
        let getRate = Double(counters.gotten.load(ordering: .relaxed)) / getSeconds.seconds
        let writes = after.writes - before.writes
        let syncs = after.walSyncs - before.walSyncs
        let syncsPerWrite = writes == 0 ? 0 : Double(syncs) / Double(writes)
        let setting = engine == .memory ? "memory" : "rocksdb sync \(policy)"
        print("gyre-bench storage: \(setting), \(writers) writer\(writers == 1 ? "" : "s"), \(readerCount) reader\(readerCount == 1 ? "" : "s"), "
            + "\(valueBytes)-byte values, \(JSONValue.fixed(seconds, decimals: 1)) s per phase")
        print("  puts/s \(JSONValue.fixed(putRate, decimals: 0))  (p50 \(Self.micros(putSeconds.latencies.percentile(0.5))) µs, "
            + "p99 \(Self.micros(putSeconds.latencies.percentile(0.99))) µs, errors \(counters.putErrors.load(ordering: .relaxed)))")
        print("  gets/s \(JSONValue.fixed(getRate, decimals: 0))  (p50 \(Self.micros(getSeconds.latencies.percentile(0.5))) µs, "
            + "p99 \(Self.micros(getSeconds.latencies.percentile(0.99))) µs, misses \(counters.getErrors.load(ordering: .relaxed)))")
        print("  walSyncs/write \(JSONValue.fixed(syncsPerWrite, decimals: 3))  (\(syncs) syncs, \(writes) writes)")
        print("{\"engine\":\"\(engine.rawValue)\",\"sync\":\"\(policy)\",\"writers\":\(writers),\"readers\":\(readerCount),"
            + "\"value_bytes\":\(valueBytes),\"puts_per_s\":\(JSONValue.fixed(putRate, decimals: 1)),"
            + "\"gets_per_s\":\(JSONValue.fixed(getRate, decimals: 1)),\"wal_syncs_per_write\":\(JSONValue.fixed(syncsPerWrite, decimals: 4)),"
            + "\"put_p50_us\":\(Self.micros(putSeconds.latencies.percentile(0.5))),\"put_p99_us\":\(Self.micros(putSeconds.latencies.percentile(0.99))),"
            + "\"put_errors\":\(counters.putErrors.load(ordering: .relaxed)),\"get_misses\":\(counters.getErrors.load(ordering: .relaxed))}")
        if counters.putErrors.load(ordering: .relaxed) > 0 || counters.getErrors.load(ordering: .relaxed) > 0 { throw ExitCode(3) }
    }

    /// Runs `body(index, until)` on `threads` threads for `seconds`; the measured wall time and
    /// the merged latencies.
    static func phase(threads: Int, seconds: Double,
                      _ body: @escaping @Sendable (Int, ContinuousClock.Instant) -> LatencyHistogram)
        -> (seconds: Double, latencies: LatencyHistogram) {
        let group = DispatchGroup()
        let merged = Mutex(LatencyHistogram())
        let start = ContinuousClock.now
        let until = start + .nanoseconds(Int64(seconds * 1e9))
        for index in 0..<threads {
            group.enter()
            Thread {
                let latencies = body(index, until)
                merged.withLock { $0.merge(latencies) }
                group.leave()
            }.start()
        }
        group.wait()
        let elapsed = ContinuousClock.now - start
        return (Double(nanoseconds(elapsed)) / 1e9, merged.withLock { $0 })
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    static func micros(_ nanoseconds: UInt64) -> String { JSONValue.fixed(Double(nanoseconds) / 1000, decimals: 1) }
}

/// What the benchmark's threads count.
final class StorageBenchCounters: Sendable {
    let written: Mutex<[Int]>
    let putErrors = Atomic<Int>(0)
    let getErrors = Atomic<Int>(0)
    let gotten = Atomic<Int>(0)

    init(writers: Int) { written = Mutex([Int](repeating: 0, count: writers)) }
}

import Benchmark
import GyreMicroBench

/// One `RocksDBEngine.update(key) { old in new }` of a ~150-byte version set, on a store in a new
/// temporary directory: with `--sync none` (the engine's CPU work, no fsync) and with
/// `--sync always` (each update waits for its group commit's fsync: the wall-clock view). Per
/// update: instructions (only where the CPU's counters can be read), wall clock, mallocs,
/// throughput.
let benchmarks: @Sendable () -> Void = {
    for path in HotPath.paths(in: .rocksdb) {
        let prepared = PreparedHotPath(path)
        Benchmark(path.name, configuration: .init(
            metrics: [.instructions, .wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds,
            warmupIterations: 100, maxDuration: .seconds(2), setup: prepared.setUp, teardown: prepared.tearDown
        )) { _ in
            prepared.run()
        }
    }
}

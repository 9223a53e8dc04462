import Benchmark
import GyreMicroBench

/// Dotted version vector sets as a replica merges them: `ReplicaLogic.absorb` (dvvset sync) of a
/// newer write into a stored 3-actor set (it supersedes the value) and of a concurrent one (two
/// siblings), and `VersionSet` encode / decode. Per operation (1000 per sample): instructions
/// (only where the CPU's counters can be read), wall clock, mallocs, throughput.
let benchmarks: @Sendable () -> Void = {
    for path in HotPath.paths(in: .versionSync) {
        let prepared = PreparedHotPath(path)
        Benchmark(path.name, configuration: .init(
            metrics: [.instructions, .wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds,
            scalingFactor: .kilo, setup: prepared.setUp, teardown: prepared.tearDown
        )) { benchmark in
            for _ in benchmark.scaledIterations { prepared.run() }
        }
    }
}

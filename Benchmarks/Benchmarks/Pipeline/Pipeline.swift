import Benchmark
import GyreMicroBench

/// The read and write pipeline in memory: one client Put and one client Get sent to a node of a
/// 3-node cluster (N=3, R=W=2; the real `ReplicaHandler` / `RequestRouter` with `CausalVersioning`
/// on `InMemoryEngine`s, joined by an in-process transport on one run queue), each run until
/// every replica has answered. Per request: instructions (only where the CPU's counters can be
/// read), wall clock, mallocs, throughput.
let benchmarks: @Sendable () -> Void = {
    for path in HotPath.paths(in: .pipeline) {
        let prepared = PreparedHotPath(path)
        Benchmark(path.name, configuration: .init(
            metrics: [.instructions, .wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds,
            warmupIterations: 100, setup: prepared.setUp, teardown: prepared.tearDown
        )) { _ in
            prepared.run()
        }
    }
}

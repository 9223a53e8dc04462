import Benchmark
import GyreMicroBench

/// GyreWire's protobuf-c codec: encode and decode of a client PutRequest (17-byte key, 100-byte
/// value, 3-actor sealed context), of a GetResponse (one value, the context, 2 replicas) and of a
/// Replica.Batch request of 8 replica puts. Per operation (1000 per sample): instructions (only
/// where the CPU's counters can be read), wall clock, mallocs, throughput.
let benchmarks: @Sendable () -> Void = {
    for path in HotPath.paths(in: .codec) {
        let prepared = PreparedHotPath(path)
        Benchmark(path.name, configuration: .init(
            metrics: [.instructions, .wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds,
            scalingFactor: .kilo, setup: prepared.setUp, teardown: prepared.tearDown
        )) { benchmark in
            for _ in benchmark.scaledIterations { prepared.run() }
        }
    }
}

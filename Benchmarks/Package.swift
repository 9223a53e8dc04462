// swift-tools-version:6.1
// Gyre's micro-benchmarks: a package of its own beside the main one, so the main package needs no
// benchmark dependency. How to run them and what each measures: README.md beside this file.
import PackageDescription

// A path dependency is named by its directory ("main", "gyre", ...: whatever the clone is called).
let gyrePackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "Gyre")
let gyre: (String) -> Target.Dependency = { .product(name: $0, package: gyrePackage) }

let package = Package(
    name: "GyreBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // On Linux the malloc counters come from ordo-one/malloc-interposer, not jemalloc.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The hot paths and their fixtures, shared by the benchmark targets and gyre-micro-ops.
        .target(
            name: "GyreMicroBench",
            dependencies: ["GyreModel", "GyreRPC", "GyreWire", "GyreCore", "GyreStorage", "GyrePipeline"].map(gyre)
        ),
        // Runs one hot path N times, for callgrind's instruction counts (scripts/bench/micro-bench.sh).
        .executableTarget(name: "gyre-micro-ops", dependencies: ["GyreMicroBench"]),
    ]
)

// package-benchmark targets: Benchmarks/<Name>/<Name>.swift.
for name in ["Codec", "VersionSync", "Pipeline", "RocksDB"] {
    package.targets.append(.executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark"), "GyreMicroBench"],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ))
}

// swift-tools-version:6.1
// Gyre's coverage-guided fuzz targets (libFuzzer). A package of its own, so the root package's
// `swift build` / `swift test` never see them. Build and run with `scripts/fuzz.sh`, which
// passes `-sanitize=fuzzer,address` to every Swift module (the code under test must be
// instrumented too, so the flag cannot be a per-target setting here).
import Foundation
import PackageDescription

/// The root package is a path dependency, and SwiftPM names a path dependency after its
/// directory (`gyre`, `wt-fuzz`, a CI clone's folder…), so the name is read from the path.
let rootDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let root = rootDirectory.lastPathComponent

/// The root package's strict settings, repeated: the fuzz code follows the same rules.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

func gyre(_ product: String) -> Target.Dependency { .product(name: product, package: root) }

/// One executable per fuzz target; each exports `LLVMFuzzerTestOneInput` and its `@main` starts
/// libFuzzer through `CFuzzDriver` (SwiftPM's own `main` symbol shadows libFuzzer's).
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport", "CFuzzDriver"] + products.map(gyre),
                      swiftSettings: strictSettings)
}

let package = Package(
    name: "GyreFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: [gyre("GyreRPC"), gyre("GyreHTTP2")], swiftSettings: strictSettings),
        fuzzTarget("FuzzDeframer", ["GyreRPC"]),
        fuzzTarget("FuzzRequestHead", ["GyreRPC"]),
        fuzzTarget("FuzzWire", ["GyreWire", "GyreModel", "GyreRPC"]),
        fuzzTarget("FuzzVersionSet", ["GyreModel"]),
        fuzzTarget("FuzzServerSession", ["GyreHTTP2", "GyreRPC"]),
        // Writes the seed corpora (Fuzz/Corpus); built without the fuzzer flags (see its header).
        .executableTarget(
            name: "FuzzSeeds",
            dependencies: ["FuzzSupport", gyre("GyreHTTP2"), gyre("GyreRPC"), gyre("GyreWire"), gyre("GyreModel")],
            swiftSettings: strictSettings
        ),
    ]
)

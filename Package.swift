// swift-tools-version:6.1
// Gyre: a Dynamo-style key-value store. Module layout and layering rules: docs/ARCHITECTURE.md.
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode plus the upcoming features the architecture
/// asks for, so missing `any`, leaked imports and implicit member visibility are compile errors.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let nio: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioSSL: Target.Dependency = .product(name: "NIOSSL", package: "swift-nio-ssl")
let nioTLS: Target.Dependency = .product(name: "NIOTLS", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Gyre",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gyre-node", targets: ["gyre-node"]),
        .executable(name: "gyre-bench", targets: ["gyre-bench"]),
        .executable(name: "gyre", targets: ["gyre"]),
        .library(name: "GyreClient", targets: ["GyreClient"]),
        .library(name: "GyreModel", targets: ["GyreModel"]),
        .library(name: "GyreRPC", targets: ["GyreRPC"]),
        .library(name: "GyreHTTP2", targets: ["GyreHTTP2"]),
        .library(name: "GyreWire", targets: ["GyreWire"]),
        // For the micro-benchmarks (Benchmarks/), which drive the pipeline and the engine directly.
        .library(name: "GyreCore", targets: ["GyreCore"]),
        .library(name: "GyreStorage", targets: ["GyreStorage"]),
        .library(name: "GyrePipeline", targets: ["GyrePipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages)
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),
        .target(
            name: "CGyreProto",
            dependencies: ["CProtobufC"],
            cSettings: [.headerSearchPath("include")]
        ),

        // MARK: pure layers (standard library only)
        .target(name: "GyreModel", swiftSettings: strictSettings),
        .target(name: "GyreRPC", swiftSettings: strictSettings),
        .target(name: "GyreCore", dependencies: ["GyreModel", "GyreRPC"], swiftSettings: strictSettings),

        // MARK: edges (the only users of their C library)
        .target(
            name: "GyreHTTP2",
            // GyreCore for its pure DeadlineQueue only: the transport knows nothing of keys.
            dependencies: ["GyreRPC", "GyreCore", "CNGHTTP2", nio, nioPosix, nioSSL, nioTLS],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GyreWire",
            dependencies: ["GyreModel", "GyreRPC", "CGyreProto"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "GyreStorage",
            dependencies: ["GyreModel", "CRocksDB"],
            swiftSettings: strictSettings
        ),

        // MARK: the request pipeline (no NIO: the node and the simulation plug in its ports)
        .target(
            name: "GyrePipeline",
            dependencies: ["GyreModel", "GyreCore", "GyreRPC", "GyreStorage"],
            // The pipeline is generic over its versioning: cross-module optimization lets the node
            // specialize it for CausalVersioning instead of running it through generic metadata.
            swiftSettings: strictSettings + [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
        ),

        // MARK: the Swift SDK (routes by the ring; no pipeline, no storage)
        .target(
            name: "GyreClient",
            dependencies: ["GyreModel", "GyreCore", "GyreRPC", "GyreHTTP2", "GyreWire", nio, nioPosix],
            swiftSettings: strictSettings
        ),

        // MARK: shell and apps
        .target(
            name: "GyreNode",
            dependencies: ["GyreModel", "GyreCore", "GyrePipeline", "GyreRPC", "GyreHTTP2", "GyreWire", "GyreStorage", nio,
                           nioPosix, nioHTTP1, logging, metrics, prometheus],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gyre-node",
            dependencies: ["GyreNode", "GyreHTTP2", "GyreStorage", argumentParser, logging, nio, nioPosix,
                           .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gyre",
            dependencies: ["GyreClient", "GyreModel", argumentParser],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "gyre-bench",
            dependencies: ["GyreClient", "GyreHTTP2", "GyreRPC", "GyreWire", "GyreModel", "GyreStorage", argumentParser, nio, nioPosix,
                           .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strictSettings
        ),

        // MARK: tests
        .target(
            name: "GyreTestKit",
            dependencies: ["GyreModel", "GyreCore", "GyrePipeline", "GyreRPC", "GyreStorage"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreCoreTests",
            dependencies: ["GyreCore", "GyreModel", "GyreRPC", "GyreTestKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreModelTests",
            dependencies: ["GyreModel", "GyreTestKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreRPCTests",
            dependencies: ["GyreRPC", "GyreTestKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreHTTP2Tests",
            dependencies: ["GyreHTTP2", "GyreRPC", "GyreTestKit", nio, nioPosix, .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreWireTests",
            dependencies: ["GyreWire", "GyreModel", "GyreRPC", "GyreTestKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreSimulationTests",
            dependencies: ["GyreTestKit", "GyreCore", "GyrePipeline", "GyreModel", "GyreStorage"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreClientTests",
            dependencies: ["GyreClient", "GyreNode", "GyreCore", "GyreModel", "GyreHTTP2", "GyreRPC", "GyreStorage", nio, nioPosix],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreStorageTests",
            dependencies: ["GyreStorage", "GyreModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GyreNodeTests",
            dependencies: ["GyreNode", "GyrePipeline", "GyreCore", "GyreWire", "GyreModel", "GyreRPC", "GyreHTTP2", "GyreStorage", "GyreTestKit",
                           nio, nioPosix],
            swiftSettings: strictSettings
        ),
    ]
)

// swift-tools-version:6.1
// A user's package: depends on Gyre's Swift SDK by path, as an application would by URL.
import PackageDescription

let package = Package(
    name: "GyreExamples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Gyre", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "QuickStart",
            dependencies: [.product(name: "GyreClient", package: "Gyre")]
        ),
    ]
)

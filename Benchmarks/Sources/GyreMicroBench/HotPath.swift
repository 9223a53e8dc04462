/// One measured operation of the micro-benchmarks: the package-benchmark targets
/// (`Benchmarks/<Group>/`) and `gyre-micro-ops` (the callgrind runner) both run these, by name,
/// so the two sets of figures measure the same code.
public struct HotPath: Sendable {
    public enum Group: String, Sendable, CaseIterable {
        case codec, versionSync, pipeline, rocksdb
    }

    /// The benchmark's name, as package-benchmark and `gyre-micro-ops` print it.
    public let name: String
    public let group: Group
    /// Builds what the hot path needs (not measured) and returns its iteration.
    let prepare: @Sendable () throws -> Iteration

    init(_ name: String, _ group: Group, _ prepare: @escaping @Sendable () throws -> Iteration) {
        self.name = name
        self.group = group
        self.prepare = prepare
    }
}

/// One iteration of a prepared hot path (`run`), and what releases the state it runs on (`close`).
final class Iteration {
    let run: () -> Void
    let close: () -> Void

    init(close: @escaping () -> Void = {}, run: @escaping () -> Void) {
        self.run = run
        self.close = close
    }
}

/// A hot path between its setup and its teardown: package-benchmark's setup and teardown hooks
/// call ``setUp()`` and ``tearDown()``, the measured loop calls ``run()``.
public final class PreparedHotPath: @unchecked Sendable {
    public let path: HotPath
    private var iteration: Iteration?

    public init(_ path: HotPath) { self.path = path }

    public func setUp() throws { iteration = try path.prepare() }

    public func run() { iteration.unsafelyUnwrapped.run() }

    public func tearDown() {
        iteration?.close()
        iteration = nil
    }
}

/// Keeps a result alive so the optimizer cannot drop the work that made it.
@_optimize(none)
@inline(never)
func consume<T>(_ value: T) {}

extension HotPath {
    /// Every hot path, grouped as the benchmark targets are.
    public static let all: [HotPath] = CodecPaths.all + VersionSyncPaths.all + PipelinePaths.all + RocksDBPaths.all

    public static func paths(in group: Group) -> [HotPath] { all.filter { $0.group == group } }
}

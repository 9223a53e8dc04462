import GyreCore
import GyreModel

/// Dotted version vector sets as a replica handles them: `ReplicaLogic.absorb` (`dvvset:sync`)
/// of a coordinator's newer write into the stored set (the common case: the stored value is
/// superseded) and of a concurrent write (the two values become siblings); and the binary
/// encoding a stored set goes through on every read and write (`VersionSet.encode()` /
/// `init(decoding:)`, 3 actors, one 100-byte value).
enum VersionSyncPaths {
    static let all: [HotPath] = [
        absorb("absorb newer write", Samples.newer, expectedValues: 1),
        absorb("absorb concurrent write", Samples.concurrent, expectedValues: 2),
        HotPath("VersionSet.encode", .versionSync) { Iteration { consume(Samples.stored.encode()) } },
        HotPath("VersionSet.decode", .versionSync) {
            let bytes = Samples.stored.encode()
            guard try VersionSet(decoding: bytes) == Samples.stored else { throw BenchError("VersionSet round trip") }
            return Iteration { consume(try? VersionSet(decoding: bytes)) }
        },
    ]

    private static func absorb(_ name: String, _ incoming: VersionSet, expectedValues: Int) -> HotPath {
        HotPath(name, .versionSync) {
            let merged = ReplicaLogic.absorb(current: Samples.stored, incoming: incoming)
            guard merged.valueCount == expectedValues else { throw BenchError("\(name): \(merged.valueCount) values") }
            return Iteration { consume(ReplicaLogic.absorb(current: Samples.stored, incoming: incoming)) }
        }
    }
}

import Foundation
import GyreModel
import GyreStorage

/// One `RocksDBEngine.update(key) { old in new }` (the engine's atomic read-modify-write of a
/// key, in its synchronous form) on a store opened in a new temporary directory, writing the
/// ~150-byte encoded version set of a key over itself. `--sync none`: the engine's own work (no
/// fsync); `--sync always`: each update waits for the group commit's fsync, the wall-clock view.
enum RocksDBPaths {
    static let all: [HotPath] = [update("RocksDB update (sync none)", .none),
                                 update("RocksDB update (sync always)", .always)]

    private static func update(_ name: String, _ sync: SyncPolicy) -> HotPath {
        HotPath(name, .rocksdb) {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("gyre-micro-bench-\(ProcessInfo.processInfo.processIdentifier)-\(sync)").path
            try? FileManager.default.removeItem(atPath: directory)
            let engine = try RocksDBEngine.open(directory: directory, sync: sync)
            let key = StorageKey(partition: 1042, key: Samples.key)
            let value = Samples.newer.encode()
            try engine.update(key) { _ in value }
            return Iteration(close: {
                engine.close()
                try? FileManager.default.removeItem(atPath: directory)
            }) {
                consume(try! engine.update(key) { _ in value })
            }
        }
    }
}

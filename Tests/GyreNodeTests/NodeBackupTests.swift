import Foundation
import GyreModel
import GyreNode
import GyreStorage
import Synchronization
import Testing

/// The writers' shared state: the keys acknowledged, in order, and the stop flag.
private final class WriteLoad: Sendable {
    let acknowledged = Mutex<[String]>([])
    let stopped = Atomic<Bool>(false)
}

/// Online backups (`POST /admin/backup`, `gyre-node backup`): a RocksDB checkpoint taken while
/// the node serves writes, read back from the checkpoint itself.
@Suite struct NodeBackupTests {
    private static func temporaryDirectory(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gyre-\(name)-\(UUID().uuidString)").path
        return path
    }

    @Test func backupUnderWriteLoadHoldsEveryKeyAcknowledgedBeforeIt() async throws {
        let dataDir = Self.temporaryDirectory("backup-data")
        let backupDir = Self.temporaryDirectory("backup-copy")
        defer {
            try? FileManager.default.removeItem(atPath: dataDir)
            try? FileManager.default.removeItem(atPath: backupDir)
        }
        let storage = try RocksDBEngine.open(directory: dataDir, sync: .always, threads: 2)
        let harness = try await NodeHarness.start(storage: storage)
        let load = WriteLoad()
        // Four writers keep putting fresh keys while the backup is taken.
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !load.stopped.load(ordering: .relaxed) {
                            let key = "w\(writer)-\(index)"
                            if let put = try? await harness.put(key, "value-\(key)"), put.replicas == 1 {
                                load.acknowledged.withLock { $0.append(key) }
                            }
                            index += 1
                        }
                    }
                }
            }
        }
        #expect(await NodeHarness.eventually(seconds: 20) { load.acknowledged.withLock { $0.count } >= 200 })
        let before = load.acknowledged.withLock { $0 }
        let outcome = await harness.node.backups.take(to: backupDir)
        let during = load.acknowledged.withLock { $0.count } - before.count
        load.stopped.store(true, ordering: .relaxed)
        await writers.value
        await harness.stop()
        storage.close()
        guard case .taken(let path, _) = outcome else {
            Issue.record("backup not taken: \(outcome)")
            return
        }
        #expect(path == backupDir)
        #expect(during >= 0)

        // Read the keys back from the checkpoint itself, not through a node.
        let copy = try RocksDBEngine.open(directory: backupDir, sync: .none, threads: 1)
        defer { copy.close() }
        let partitions = harness.node.configuration.cluster.partitionCount
        var missing: [String] = []
        for name in before {
            let key = Key(name)
            let partition = UInt32(KeyHash.partition(for: key, partitionCount: partitions))
            guard let bytes = try copy.get(StorageKey(partition: partition, key: key)),
                  let versions = try? VersionSet(decoding: bytes),
                  versions.liveValues == [Array("value-\(name)".utf8)] else {
                missing.append(name)
                continue
            }
        }
        #expect(missing.isEmpty, "keys acknowledged before the backup but missing from it: \(missing.prefix(10))")
    }

    @Test func backupRefusesAnExistingOrRelativeTargetAndTheMemoryEngine() async throws {
        let existing = Self.temporaryDirectory("backup-existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: existing) }
        let dataDir = Self.temporaryDirectory("backup-refuse")
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let storage = try RocksDBEngine.open(directory: dataDir, sync: .always, threads: 1)
        let harness = try await NodeHarness.start(storage: storage)
        guard case .refused(let exists) = await harness.node.backups.take(to: existing) else {
            Issue.record("an existing directory was accepted")
            return
        }
        #expect(exists.contains("already exists"))
        guard case .refused(let relative) = await harness.node.backups.take(to: "relative/dir") else {
            Issue.record("a relative path was accepted")
            return
        }
        #expect(relative.contains("absolute"))
        await harness.stop()
        storage.close()

        let memory = try await NodeHarness.start()
        guard case .failed(let unsupported) = await memory.node.backups.take(to: Self.temporaryDirectory("never")) else {
            Issue.record("the memory engine took a backup")
            return
        }
        #expect(unsupported.contains("cannot take backups"))
        await memory.stop()
    }
}

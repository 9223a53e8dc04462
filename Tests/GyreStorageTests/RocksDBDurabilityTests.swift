import Foundation
import GyreModel
import GyreStorage
import Testing

/// What survives a close and reopen, and what a crash takes away under each sync policy
/// (``crashImage(of:into:)``: the files as a SIGKILL would leave them).
@Suite(.timeLimit(.minutes(2)))
struct RocksDBDurabilityTests {
    static let policies: [SyncPolicy] = [.always, .interval(milliseconds: 5), .none]

    @Test(arguments: policies)
    func closedStoresReopenWithEverything(_ policy: SyncPolicy) throws {
        let directory = TemporaryDirectory("reopen")
        defer { directory.remove() }
        let path = directory.child("nested/store")
        var random = TestRandom(seed: 11)
        var expected: [UInt32: [StorageRecord]] = [:]
        do {
            let engine = try RocksDBEngine.open(directory: path, sync: policy)
            for index in 0..<300 {
                let partition = UInt32(index % 5)
                let record = StorageRecord(key: Key(random.bytes(6)), value: random.bytes(index))
                try engine.update(StorageKey(partition: partition, key: record.key)) { _ in record.value }
                expected[partition, default: []].append(record)
            }
            try engine.setMetadata("node-id", [1, 2, 3])
            engine.close()
        }
        let engine = try RocksDBEngine.open(directory: path, sync: policy)
        defer { engine.close() }
        for (partition, records) in expected {
            let sorted = records.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }
            #expect(try engine.scan(partition: partition, after: nil, limit: 1000) == sorted)
        }
        #expect(try engine.metadata("node-id") == [1, 2, 3])
        #expect(try engine.metadata(StorageMetadata.formatMarker) == Array("2".utf8))
        #expect(engine.count == 300)
    }

    @Test func alwaysLosesNothingAcknowledged() throws {
        let directory = TemporaryDirectory("crash-always")
        defer { directory.remove() }
        let engine = try RocksDBEngine.open(directory: directory.child("store"), sync: .always)
        defer { engine.close() }
        for index in 0..<20 {
            try engine.update(StorageKey(0, "k\(index)")) { _ in [UInt8(index)] }
        }
        let image = try RocksDBEngine.open(directory: crashImage(of: directory.child("store"), into: directory), sync: .none)
        defer { image.close() }
        #expect(try image.scan(partition: 0, after: nil, limit: 100).count == 20)
    }

    @Test func noneKeepsSmallWritesInProcessMemoryUntilClose() throws {
        let directory = TemporaryDirectory("crash-none")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .none)
        for index in 0..<100 {
            try engine.update(StorageKey(0, "k\(index)")) { _ in Array(repeating: 1, count: 100) }
        }
        // Acknowledged, but only in the WAL buffer: a crash now loses all of them.
        let lost = try RocksDBEngine.open(directory: crashImage(of: path, into: directory), sync: .none)
        #expect(try lost.scan(partition: 0, after: nil, limit: 1000).isEmpty)
        lost.close()

        // Past the 1 MiB buffer RocksDB writes the WAL out on its own: the older records survive
        // a crash, the newest (still buffered) do not.
        for index in 0..<1500 {
            try engine.update(StorageKey(1, String(format: "k%05d", index))) { _ in Array(repeating: 2, count: 1000) }
        }
        let partial = try RocksDBEngine.open(directory: crashImage(of: path, into: directory), sync: .none)
        let survived = try partial.scan(partition: 1, after: nil, limit: 2000)
        partial.close()
        #expect(survived.count > 0 && survived.count < 1500, "\(survived.count) of 1500 survived")
        #expect(survived.map(\.key) == (0..<survived.count).map { Key(String(format: "k%05d", $0)) })

        // A clean close writes the buffer out.
        engine.close()
        let reopened = try RocksDBEngine.open(directory: path, sync: .none)
        defer { reopened.close() }
        #expect(try reopened.scan(partition: 0, after: nil, limit: 1000).count == 100)
        #expect(try reopened.scan(partition: 1, after: nil, limit: 2000).count == 1500)
    }

    @Test func intervalMakesWritesDurableAtTheNextSync() throws {
        let directory = TemporaryDirectory("crash-interval")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .interval(milliseconds: 20))
        defer { engine.close() }
        let before = engine.statistics.walSyncs
        for index in 0..<10 {
            try engine.update(StorageKey(0, "k\(index)")) { _ in [UInt8(index)] }
        }
        // Nothing else happens, yet within a few intervals a crash image holds every write.
        let deadline = ContinuousClock.now + .seconds(10)
        var survived = 0
        while survived < 10 && ContinuousClock.now < deadline {
            let image = try RocksDBEngine.open(directory: crashImage(of: path, into: directory), sync: .none)
            survived = try image.scan(partition: 0, after: nil, limit: 100).count
            image.close()
        }
        #expect(survived == 10)
        #expect(engine.statistics.walSyncs > before)
    }

    @Test func metadataIsSyncedWhateverThePolicy() throws {
        let directory = TemporaryDirectory("crash-meta")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .none)
        defer { engine.close() }
        try engine.update(StorageKey(0, "before")) { _ in [1] }
        try engine.setMetadata("node-id", [7])
        let image = try RocksDBEngine.open(directory: crashImage(of: path, into: directory), sync: .none)
        defer { image.close() }
        #expect(try image.metadata("node-id") == [7])
        // The WAL is one ordered log: the sync covered the earlier record too.
        #expect(try image.get(StorageKey(0, "before")) == [1])
    }
}

import Foundation
import GyreModel
import GyreStorage
import Testing

/// A crash can leave the WAL's last record torn; the store must open with every record before it.
@Suite(.timeLimit(.minutes(2)))
struct RocksDBRecoveryTests {
    enum Tear: String, CaseIterable, Sendable {
        /// The file ends in the middle of the last record.
        case truncatedMidRecord
        /// Random bytes follow the last record.
        case garbageAppended
        /// The last record is cut and the file continues with zeroes (a filesystem that
        /// extended the file but never wrote its blocks).
        case truncatedThenZeroes
    }

    /// The WAL files of the store at `path`, newest last.
    static func walFiles(_ path: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }.sorted()
            .map { path + "/" + $0 }
    }

    @Test(arguments: Tear.allCases)
    func aTornWALTailIsDroppedAndSyncedRecordsSurvive(_ tear: Tear) throws {
        let directory = TemporaryDirectory("torn")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .always)
        for index in 0..<20 {
            try engine.update(StorageKey(0, "synced-\(index)")) { _ in Array(repeating: UInt8(index), count: 100) }
        }
        // The last record: 40 KB, so cutting 20 KB off the file tears it and only it.
        try engine.update(StorageKey(0, "torn")) { _ in Array(repeating: 0xAB, count: 40_000) }
        engine.close()

        let wal = try #require(try Self.walFiles(path).last)
        let handle = try #require(FileHandle(forUpdatingAtPath: wal))
        let size = try handle.seekToEnd()
        var random = TestRandom(seed: 17)
        switch tear {
        case .truncatedMidRecord:
            try handle.truncate(atOffset: size - 20_000)
        case .garbageAppended:
            try handle.write(contentsOf: Data(random.bytes(3000)))
        case .truncatedThenZeroes:
            try handle.truncate(atOffset: size - 20_000)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(count: 20_000))
        }
        try handle.close()

        let reopened = try RocksDBEngine.open(directory: path, sync: .always)
        defer { reopened.close() }
        for index in 0..<20 {
            #expect(try reopened.get(StorageKey(0, "synced-\(index)")) == Array(repeating: UInt8(index), count: 100))
        }
        let last = try reopened.get(StorageKey(0, "torn"))
        if tear == .garbageAppended {
            #expect(last == Array(repeating: 0xAB, count: 40_000))
        } else {
            #expect(last == nil)
        }
        // And the store takes writes again.
        try reopened.update(StorageKey(0, "after")) { _ in [1] }
        #expect(try reopened.get(StorageKey(0, "after")) == [1])
    }
}

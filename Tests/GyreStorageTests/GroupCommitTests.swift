import Foundation
import GyreModel
import GyreStorage
import Synchronization
import Testing

/// With `.always`, concurrent writers share WAL syncs, and none is acknowledged before a sync
/// that covers its record.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct GroupCommitTests {
    /// The record payloads of every WAL file of the store at `path`, concatenated: RocksDB's log
    /// format cuts the file into 32 KiB blocks of fragments, each behind a 7-byte header
    /// (checksum, length, type), so a record crossing a block boundary is not contiguous in the
    /// file.
    static func walBytes(_ path: String) -> Data {
        var payloads = Data()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasSuffix(".log") {
            let file = [UInt8](FileManager.default.contents(atPath: path + "/" + name) ?? Data())
            var offset = 0
            while offset + 7 <= file.count {
                let blockEnd = (offset / 32768 + 1) * 32768
                if blockEnd - offset < 7 {
                    offset = blockEnd // the block's trailer
                    continue
                }
                let length = Int(file[offset + 4]) | Int(file[offset + 5]) << 8
                let start = offset + 7
                payloads.append(contentsOf: file[start..<min(file.count, start + length)])
                offset = start + length
            }
        }
        return payloads
    }

    /// Checks one acknowledged update: a WAL sync completed between its start and its
    /// acknowledgement, and its record (`token`, unique) is in the WAL file (it sits in process
    /// memory until a flush, and the engine flushes only together with a sync).
    static func checkAcknowledged(path: String, engine: RocksDBEngine, syncsAtStart: UInt64, token: [UInt8]) -> String? {
        let syncs = engine.statistics.walSyncs
        if syncs <= syncsAtStart { return "acknowledged with no WAL sync since it started (\(syncs))" }
        if walBytes(path).range(of: Data(token)) == nil { return "acknowledged before its record reached the WAL file" }
        return nil
    }

    @Test func fiftyWritersShareSyncsAndWaitForThem() throws {
        let directory = TemporaryDirectory("group-commit")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .always)
        defer { engine.close() }
        let before = engine.statistics
        let problems = Mutex<[String]>([])
        let finished = runThreads(50) { writer in
            var random = TestRandom(seed: UInt64(writer))
            for index in 0..<20 {
                let token = random.bytes(24)
                let syncsAtStart = engine.statistics.walSyncs
                do {
                    try engine.update(StorageKey(UInt32(writer), "w\(writer)-\(index)")) { _ in token }
                    if let problem = Self.checkAcknowledged(path: path, engine: engine, syncsAtStart: syncsAtStart, token: token) {
                        problems.withLock { $0.append(problem) }
                    }
                } catch {
                    problems.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(finished)
        #expect(problems.withLock { $0 } == [])
        let after = engine.statistics
        let writes = after.writes - before.writes
        let syncs = after.walSyncs - before.walSyncs
        #expect(writes == 1000)
        // Every write here also reads the whole WAL file to check its own record, which slows the
        // writers down enough (under a parallel test run) to shrink batches: the ratio is
        // asserted below, without that inspection.
        #expect(syncs < writes, "\(syncs) WAL syncs for \(writes) writes")
    }

    @Test func fiftySyncWritersShareSyncs() throws {
        let directory = TemporaryDirectory("group-commit-ratio")
        defer { directory.remove() }
        let engine = try RocksDBEngine.open(directory: directory.child("store"), sync: .always)
        defer { engine.close() }
        let before = engine.statistics
        let finished = runThreads(50) { writer in
            for index in 0..<40 {
                _ = try? engine.update(StorageKey(UInt32(writer), "w\(writer)-\(index)")) { _ in [UInt8](repeating: 7, count: 100) }
            }
        }
        #expect(finished)
        let after = engine.statistics
        let writes = after.writes - before.writes
        let syncs = after.walSyncs - before.walSyncs
        #expect(writes == 2000)
        #expect(Double(syncs) / Double(writes) < 0.2, "\(syncs) WAL syncs for \(writes) writes")
    }

    @Test func fiftyAsyncWritersShareSyncsAndWaitForThem() throws {
        let directory = TemporaryDirectory("group-commit-async")
        defer { directory.remove() }
        let path = directory.child("store")
        let engine = try RocksDBEngine.open(directory: path, sync: .always)
        defer { engine.close() }
        let before = engine.statistics
        let problems = Mutex<[String]>([])
        let completions = CompletionCounter()

        // 50 writers, each with one update in flight: the next is issued from the completion.
        @Sendable func write(_ writer: Int, _ index: Int) {
            guard index < 20 else { return }
            var random = TestRandom(seed: UInt64(writer * 100 + index))
            let token = random.bytes(24)
            let syncsAtStart = engine.statistics.walSyncs
            engine.update(StorageKey(UInt32(writer), "w\(index)"), { _ in token }) { result in
                switch result {
                case .success:
                    if let problem = Self.checkAcknowledged(path: path, engine: engine, syncsAtStart: syncsAtStart, token: token) {
                        problems.withLock { $0.append(problem) }
                    }
                case let .failure(error):
                    problems.withLock { $0.append("\(error)") }
                }
                completions.record()
                write(writer, index + 1)
            }
        }
        for writer in 0..<50 { write(writer, 0) }
        #expect(completions.wait(for: 1000).arrived)
        #expect(problems.withLock { $0 } == [])
        let after = engine.statistics
        let syncs = after.walSyncs - before.walSyncs
        #expect(after.writes - before.writes == 1000)
        #expect(Double(syncs) / 1000 < 0.2, "\(syncs) WAL syncs for 1000 writes")
    }

    @Test func walSyncsAgreesWithRocksDBsOwnTicker() throws {
        let directory = TemporaryDirectory("ticker")
        defer { directory.remove() }
        let engine = try RocksDBEngine.open(directory: directory.child("store"), sync: .always, rocksDBStatistics: true)
        defer { engine.close() }
        #expect(try RocksDBEngine.open(directory: directory.child("plain")).walSyncedTicker == nil)
        let before = (engine.statistics.walSyncs, try #require(engine.walSyncedTicker))
        for index in 0..<30 {
            try engine.update(StorageKey(0, "k\(index)")) { _ in [1] }
        }
        try engine.setMetadata("m", [1])
        let after = (engine.statistics.walSyncs, try #require(engine.walSyncedTicker))
        #expect(after.0 - before.0 == 31)
        #expect(after.1 - before.1 == after.0 - before.0)
    }
}

import Foundation
import GyreModel
import GyreStorage
import Testing

/// A real write fault: the store on a small tmpfs that fills up, then gets space back.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RocksDBWriteFaultTests {
    /// Runs a command, returning its exit status and output.
    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test func aFullDiskFailsWritesKeepsReadsAndRecoversWithoutRestart() throws {
        guard getuid() == 0 else {
            Issue.record("this test mounts a small tmpfs and needs root (uid 0); run the suite as root")
            return
        }
        let directory = TemporaryDirectory("full-disk")
        defer { directory.remove() }
        let mountPoint = directory.child("mnt")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let mounted = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount failed: \(mounted.output)")
        defer { _ = Self.run("/bin/umount", [mountPoint]) }

        let path = mountPoint + "/store"
        let filler = mountPoint + "/filler"
        var acknowledged: [StorageKey: [UInt8]] = [:]
        do {
            let engine = try RocksDBEngine.open(directory: path, sync: .always, reopenBackoff: .zero)
            defer { engine.close() }
            _ = FileManager.default.createFile(atPath: filler, contents: Data(count: 11 << 20))
            var random = TestRandom(seed: 23)

            // Fill the disk until a write fails.
            var failure: StorageError?
            for index in 0..<200 {
                let key = StorageKey(0, "k\(index)")
                let value = random.bytes(200_000)
                do throws(StorageError) {
                    try engine.update(key) { _ in value }
                    acknowledged[key] = value
                } catch {
                    failure = error
                    break
                }
            }
            let error = try #require(failure, "the disk never filled")
            #expect(error.kind == .writeFault)
            #expect(error.message.contains("storage write fault"))
            #expect(error.message.contains("may not be durable"))
            #expect(error.message.contains("No space left on device") || error.message.contains("read-only"), "\(error.message)")
            guard case .writeFault = engine.health else {
                Issue.record("health is \(engine.health) after a write fault")
                return
            }
            #expect(!acknowledged.isEmpty)

            // Reads keep working.
            try Self.expectHeld(acknowledged, by: engine)

            // Take every free byte, again whenever a reopen freed some (RocksDB preallocates its
            // WAL and trims it on close), until writes fail once more; reads keep working.
            var failedAgain = false
            for attempt in 0..<20 where !failedAgain {
                Self.fillDisk(mountPoint + "/filler-\(attempt)")
                do throws(StorageError) {
                    try engine.update(StorageKey(0, "still-full")) { _ in [UInt8](repeating: 1, count: 100_000) }
                } catch {
                    #expect(error.kind == .writeFault, "\(error)")
                    failedAgain = true
                }
            }
            #expect(failedAgain)
            try Self.expectHeld(acknowledged, by: engine)
            #expect(try engine.scan(partition: 0, after: nil, limit: 1000).count >= acknowledged.count)

            // Space comes back: writes recover without a restart.
            for name in try FileManager.default.contentsOfDirectory(atPath: mountPoint) where name.hasPrefix("filler") {
                try FileManager.default.removeItem(atPath: mountPoint + "/" + name)
            }
            let deadline = ContinuousClock.now + .seconds(20)
            var recovered = false
            while !recovered && ContinuousClock.now < deadline {
                do throws(StorageError) {
                    try engine.update(StorageKey(0, "after")) { _ in [1, 2, 3] }
                    recovered = true
                } catch {
                    Thread.sleep(forTimeInterval: 0.01)
                }
            }
            #expect(recovered)
            #expect(engine.health == .ok)
            #expect(engine.statistics.reopens >= 1)
            #expect(engine.statistics.writeFaults >= 1)
            acknowledged[StorageKey(0, "after")] = [1, 2, 3]
            try Self.expectHeld(acknowledged, by: engine)
        }
        // Every acknowledged write is there after a restart.
        let reopened = try RocksDBEngine.open(directory: path, sync: .always)
        defer { reopened.close() }
        try Self.expectHeld(acknowledged, by: reopened)
    }

    /// Checks that `engine` holds every record of `expected` (without printing the values).
    static func expectHeld(_ expected: [StorageKey: [UInt8]], by engine: some StorageEngine,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (key, value) in expected {
            let stored = try engine.get(key)
            #expect(stored == value ? true : false, "\(key.key): \(stored?.count ?? -1) bytes stored, \(value.count) written",
                    sourceLocation: sourceLocation)
        }
    }

    /// Writes `path` until the filesystem has no space left.
    static func fillDisk(_ path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        let chunk = Data(count: 4096)
        while (try? handle.write(contentsOf: chunk)) != nil {}
    }
}

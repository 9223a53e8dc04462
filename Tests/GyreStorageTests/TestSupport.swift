import Foundation
import GyreModel
import GyreStorage
import Testing

/// A fresh directory under /tmp, removed by ``remove()``.
struct TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String = "store") {
        let template = "/tmp/gyre-storage-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!).map { String(cString: $0) } }
        guard let made else { preconditionFailure("mkdtemp failed") }
        path = made
    }

    func child(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An engine made fresh for one test, and how to dispose of it.
struct EngineFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () throws -> (engine: any StorageEngine, dispose: @Sendable () -> Void)

    var testDescription: String { name }

    static let memory = EngineFactory(name: "memory") {
        let engine = InMemoryEngine()
        return (engine, { engine.close() })
    }

    static func rocksDB(_ policy: SyncPolicy) -> EngineFactory {
        EngineFactory(name: "rocksdb(\(policy))") {
            let directory = TemporaryDirectory("conformance")
            let engine = try RocksDBEngine.open(directory: directory.child("store"), sync: policy)
            return (engine, {
                engine.close()
                directory.remove()
            })
        }
    }

    static let all: [EngineFactory] = [.memory, .rocksDB(.always), .rocksDB(.interval(milliseconds: 2)), .rocksDB(.none)]
}

/// A small deterministic generator (SplitMix64) for test data.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count + 8)
        while result.count < count {
            withUnsafeBytes(of: next()) { result.append(contentsOf: $0) }
        }
        return Array(result.prefix(count))
    }
}

/// Runs `body(index)` on `count` threads of their own at once and waits for all (at most
/// `seconds`); false when they did not all finish in time.
func runThreads(_ count: Int, seconds: Double = 60, _ body: @escaping @Sendable (Int) -> Void) -> Bool {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    return group.wait(timeout: .now() + seconds) == .success
}

/// Counts completions until an expected number arrived; waits are bounded.
final class CompletionCounter: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0
    private var failures: [StorageError] = []

    func record(_ failure: StorageError? = nil) {
        condition.lock()
        count += 1
        if let failure { failures.append(failure) }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `expected` completions arrived or `seconds` passed; the failures seen.
    func wait(for expected: Int, seconds: Double = 60) -> (arrived: Bool, failures: [StorageError]) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while count < expected {
            if !condition.wait(until: deadline) { break }
        }
        return (count >= expected, failures)
    }
}

func counterBytes(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

func counterValue(_ bytes: [UInt8]?) -> UInt64 {
    guard let bytes, bytes.count == 8 else { return 0 }
    return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
}

/// Every file under `path` (relative name → contents), to check a directory was not changed.
func snapshot(_ path: String) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let names = FileManager.default.subpaths(atPath: path) else { return files }
    for name in names {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
            files[name] = FileManager.default.contents(atPath: path + "/" + name) ?? Data()
        }
    }
    return files
}

/// Copies every file of `source` into a new directory: what a process killed right now would
/// leave on disk (the kernel keeps what was written; what is still in process memory is lost).
func crashImage(of source: String, into directory: TemporaryDirectory) -> String {
    let target = directory.child("crash-image-\(UInt32.random(in: 0...UInt32.max))")
    try! FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    for (name, contents) in snapshot(source) {
        _ = FileManager.default.createFile(atPath: target + "/" + name, contents: contents)
    }
    return target
}

extension StorageKey {
    init(_ partition: UInt32, _ key: String) { self.init(partition: partition, key: Key(key)) }
}

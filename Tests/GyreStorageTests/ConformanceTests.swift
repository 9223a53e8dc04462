import Foundation
import GyreModel
import GyreStorage
import Testing

/// The ``StorageEngine`` contract, run against every engine.
@Suite(.timeLimit(.minutes(3)))
struct ConformanceTests {
    @Test(arguments: EngineFactory.all)
    func getAndUpdateSemantics(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let key = StorageKey(7, "k")
        #expect(try engine.get(key) == nil)

        let stored = try engine.update(key) { old in
            #expect(old == nil)
            return [1, 2, 3]
        }
        #expect(stored == [1, 2, 3])
        #expect(try engine.get(key) == [1, 2, 3])

        // The transform sees the stored bytes; what it returns is stored and returned.
        let appended = try engine.update(key) { old in (old ?? []) + [4] }
        #expect(appended == [1, 2, 3, 4])

        // A throwing transform leaves the record unchanged and its error reaches the caller.
        #expect(throws: StorageError("refused")) {
            try engine.update(key) { _ throws(StorageError) in throw StorageError("refused") }
        }
        #expect(try engine.get(key) == [1, 2, 3, 4])

        // nil deletes; deleting a missing record stores nothing.
        #expect(try engine.update(key) { _ in nil } == nil)
        #expect(try engine.get(key) == nil)
        #expect(try engine.update(StorageKey(7, "never")) { _ in nil } == nil)
        #expect(try engine.get(StorageKey(7, "never")) == nil)

        // An empty value is a value, not a delete.
        try engine.update(key) { _ in [] }
        #expect(try engine.get(key) == [])
        #expect(try engine.scan(partition: 7, after: nil, limit: 10) == [StorageRecord(key: Key("k"), value: [])])
    }

    @Test(arguments: EngineFactory.all)
    func binaryValuesAndKeysAreKeptWhole(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        var random = TestRandom(seed: 42)
        let sizes = [0, 1, 7, 100, 4096, 65_537, 1 << 20]
        var expected: [StorageKey: [UInt8]] = [:]
        for (index, size) in sizes.enumerated() {
            let key = StorageKey(partition: UInt32(index), key: Key([0x00, 0xFF, UInt8(index), 0x00] + random.bytes(index * 3)))
            let value = random.bytes(size)
            try engine.update(key) { _ in value }
            expected[key] = value
        }
        // An encoded version set of the largest allowed size (4 MiB).
        let large = StorageKey(partition: 99, key: Key("large"))
        let largeValue = random.bytes(4 << 20)
        try engine.update(large) { _ in largeValue }
        expected[large] = largeValue
        for (key, value) in expected {
            #expect(try engine.get(key) == value, "\(key.key) of \(value.count) bytes")
        }
        #expect(try engine.scan(partition: 99, after: nil, limit: 2) == [StorageRecord(key: Key("large"), value: largeValue)])
    }

    @Test(arguments: EngineFactory.all)
    func scansFollowKeyOrderWithinPartitionBounds(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        var random = TestRandom(seed: 7)
        var keys: [[UInt8]] = [[], [0x00], [0x00, 0x00], [0x00, 0xFF], [0x01], [0x7F], [0x80], [0xFF], [0xFF, 0x00], [0xFF, 0xFF],
                               Array("a".utf8), Array("ab".utf8), Array("b".utf8)]
        for _ in 0..<20 { keys.append(random.bytes(Int(random.next() % 6) + 1)) }
        keys = Array(Set(keys))
        let partitions: [UInt32] = [0, 1, 2, 999, 1000, 1001, UInt32.max - 1, UInt32.max]
        for partition in partitions {
            for key in keys {
                try engine.update(StorageKey(partition: partition, key: Key(key))) { _ in [UInt8(truncatingIfNeeded: partition)] + key }
            }
        }
        let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }
        for partition in partitions {
            let all = try engine.scan(partition: partition, after: nil, limit: 1000)
            #expect(all.map(\.key.bytes) == sorted, "partition \(partition)")
            #expect(all.allSatisfy { $0.value == [UInt8(truncatingIfNeeded: partition)] + $0.key.bytes })

            // Paging with `after` and `limit` visits the same records once each.
            var paged: [StorageRecord] = []
            var after: Key?
            while true {
                let page = try engine.scan(partition: partition, after: after, limit: 3)
                #expect(page.count <= 3)
                paged += page
                guard page.count == 3 else { break }
                after = page.last!.key
            }
            #expect(paged == all)
        }
        // `after` need not be a stored key; it is exclusive.
        let tail = try engine.scan(partition: 1000, after: Key([0x7F, 0x00]), limit: 1000)
        #expect(tail.map(\.key.bytes) == sorted.filter { [0x7F, 0x00].lexicographicallyPrecedes($0) })
        #expect(try engine.scan(partition: 1000, after: Key([0xFF, 0xFF]), limit: 10) == [])
        #expect(try engine.scan(partition: 5, after: nil, limit: 10) == [])
        #expect(try engine.scan(partition: 0, after: nil, limit: 0) == [])
    }

    @Test(arguments: EngineFactory.all)
    func digestsAreXXH64OfTheStoredBytes(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        var random = TestRandom(seed: 3)
        for index in 0..<50 {
            let value = random.bytes(index * 37)
            try engine.update(StorageKey(partition: 4, key: Key(random.bytes(8)))) { _ in value }
        }
        let records = try engine.scan(partition: 4, after: nil, limit: 100)
        let digests = try engine.digests(partition: 4, after: nil, limit: 100)
        #expect(records.count == 50)
        #expect(digests.map(\.key) == records.map(\.key))
        #expect(digests.map(\.digest) == records.map { KeyHash.xxh64($0.value, seed: 0) })
        #expect(KeyDigest.digest(of: Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999) // XXH64("abc", 0)
        let page = try engine.digests(partition: 4, after: records[9].key, limit: 5)
        #expect(page == Array(digests[10..<15]))
    }

    @Test(arguments: EngineFactory.all)
    func concurrentIncrementsLoseNoUpdate(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let key = StorageKey(1, "counter")
        let failures = CompletionCounter()
        let finished = runThreads(16) { _ in
            for _ in 0..<500 {
                do throws(StorageError) {
                    try engine.update(key) { old in counterBytes(counterValue(old) + 1) }
                } catch {
                    failures.record(error)
                }
            }
        }
        #expect(finished)
        #expect(failures.wait(for: 0).failures.isEmpty)
        #expect(counterValue(try engine.get(key)) == 16 * 500)
        #expect(engine.statistics.writes >= 16 * 500)
    }

    @Test(arguments: EngineFactory.all)
    func concurrentAsyncIncrementsLoseNoUpdate(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let key = StorageKey(1, "counter")
        let completions = CompletionCounter()
        let submitted = runThreads(16) { _ in
            for _ in 0..<500 {
                engine.update(key, { old in counterBytes(counterValue(old) + 1) }) { result in
                    if case let .failure(error) = result { completions.record(error) } else { completions.record() }
                }
            }
        }
        #expect(submitted)
        let outcome = completions.wait(for: 16 * 500)
        #expect(outcome.arrived)
        #expect(outcome.failures.isEmpty)
        #expect(counterValue(try engine.get(key)) == 16 * 500)
    }

    /// A burst of asynchronous updates (which the RocksDB engine applies in batches): each sees
    /// the updates of its key before it, and one that throws changes nothing, its neighbours
    /// in the same batch included.
    @Test(arguments: EngineFactory.all)
    func aBurstOfAsyncUpdatesLosesNoneAndAFailureTouchesNoOther(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let keys = [StorageKey(2, "even"), StorageKey(2, "odd")]
        let completions = CompletionCounter()
        for index in 0..<1000 {
            engine.update(keys[index % 2], { old throws(StorageError) in
                if index % 10 == 5 { throw StorageError("refused \(index)") }
                return (old ?? []) + counterBytes(UInt64(index))
            }) { result in
                if case let .failure(error) = result { completions.record(error) } else { completions.record() }
            }
        }
        let outcome = completions.wait(for: 1000)
        #expect(outcome.arrived)
        #expect(outcome.failures.count == 100)
        for (parity, key) in keys.enumerated() {
            let stored = try #require(try engine.get(key))
            let written = stride(from: 0, to: stored.count, by: 8).map { counterValue(Array(stored[$0..<$0 + 8])) }
            let expected = (0..<1000).filter { $0 % 2 == parity && $0 % 10 != 5 }.map(UInt64.init)
            #expect(written.sorted() == expected, "\(key.key)")
        }
    }

    @Test(arguments: EngineFactory.all)
    func asyncFormsAnswerAsTheSynchronousOnes(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let key = StorageKey(3, "async")
        let results = ResultBox()
        engine.update(key, { old in (old ?? []) + [9] }) { results.put($0) }
        #expect(results.take() == .success([9]))
        engine.get(key) { results.put($0) }
        #expect(results.take() == .success([9]))
        engine.update(key, { _ throws(StorageError) in throw StorageError("no") }) { results.put($0) }
        #expect(results.take() == .failure(StorageError("no")))
        engine.update(key, { _ in nil }) { results.put($0) }
        #expect(results.take() == .success(nil))
        engine.get(key) { results.put($0) }
        #expect(results.take() == .success(nil))
    }

    @Test(arguments: EngineFactory.all)
    func metadataRoundTrips(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        #expect(try engine.metadata("node-id") == nil)
        try engine.setMetadata("node-id", [0, 1, 0xFF])
        try engine.setMetadata("epoch", Array("12".utf8))
        #expect(try engine.metadata("node-id") == [0, 1, 0xFF])
        try engine.setMetadata("node-id", [])
        #expect(try engine.metadata("node-id") == [])
        try engine.setMetadata("node-id", nil)
        #expect(try engine.metadata("node-id") == nil)
        #expect(try engine.metadata("epoch") == Array("12".utf8))
        #expect(throws: StorageError.self) { try engine.setMetadata(StorageMetadata.formatMarker, [9]) }
        #expect(throws: StorageError.self) { try engine.setMetadata("", [9]) }
        // Metadata is not a record.
        #expect(engine.count == 0)
    }

    @Test(arguments: EngineFactory.all)
    func countFollowsInserts(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        for index in 0..<25 {
            try engine.update(StorageKey(UInt32(index % 3), "key-\(index)")) { _ in [1] }
        }
        #expect(engine.count == 25)
    }

    @Test(arguments: EngineFactory.all)
    func aClosedEngineRefusesEverything(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        try engine.update(StorageKey(0, "k")) { _ in [1] }
        #expect(engine.health == .ok)
        engine.close()
        engine.close()
        #expect(throws: StorageError.closed) { try engine.get(StorageKey(0, "k")) }
        #expect(throws: StorageError.closed) { try engine.update(StorageKey(0, "k")) { _ in [2] } }
        #expect(throws: StorageError.closed) { try engine.scan(partition: 0, after: nil, limit: 1) }
        #expect(throws: StorageError.closed) { try engine.metadata("x") }
        let results = ResultBox()
        engine.update(StorageKey(0, "k"), { _ in [3] }) { results.put($0) }
        #expect(results.take() == .failure(.closed))
        engine.get(StorageKey(0, "k")) { results.put($0) }
        #expect(results.take() == .failure(.closed))
    }
}

/// One asynchronous result, waited for with a bound.
final class ResultBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<[UInt8]?, StorageError>] = []

    func put(_ result: Result<[UInt8]?, StorageError>) {
        condition.lock()
        results.append(result)
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest result not yet taken (nil after 30 s without one).
    func take() -> Result<[UInt8]?, StorageError>? {
        let deadline = Date(timeIntervalSinceNow: 30)
        condition.lock()
        defer { condition.unlock() }
        while results.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        return results.removeFirst()
    }
}

/// Hint records: kept apart from data (not counted, not in any data partition's scan), one
/// owner's hints one contiguous range, and their keys decode back to owner and record.
@Suite(.timeLimit(.minutes(3)))
struct HintRecordTests {
    @Test(arguments: EngineFactory.all)
    func hintsAreKeptApartAndScannedByOwner(_ factory: EngineFactory) throws {
        let (engine, dispose) = try factory.make()
        defer { dispose() }
        let (a, b) = (NodeID(high: 0, low: 1), NodeID(high: 0, low: 2))
        let record = StorageKey(partition: 9, key: Key("k"))
        try engine.update(record) { _ in [7] }
        for owner in [a, b] {
            for key in ["x", "y"] {
                try engine.update(.hint(owner: owner, for: StorageKey(partition: 3, key: Key(key)))) { _ in [1] }
            }
        }
        #expect(engine.count == 1)
        #expect(try engine.scan(partition: 9, after: nil, limit: 10).count == 1)
        let hints = try engine.scan(partition: StorageKey.hintPartition, after: StorageKey.hintScanStart(owner: a), limit: 10)
        let targets = hints.map { StorageKey(partition: StorageKey.hintPartition, key: $0.key).hintTarget! }
        #expect(targets.prefix(2).map(\.owner) == [a, a])
        #expect(targets.prefix(2).map(\.record) == [StorageKey(partition: 3, key: Key("x")), StorageKey(partition: 3, key: Key("y"))])
        #expect(targets.dropFirst(2).map(\.owner) == [b, b])
        #expect(try engine.get(.hint(owner: b, for: StorageKey(partition: 3, key: Key("y")))) == [1])
        #expect(record.hintTarget == nil)
    }
}

import GyreModel
import GyreStorage
import Testing

@Suite(.timeLimit(.minutes(1)))
struct FaultInjectingEngineTests {
    @Test func writeFaultsBeforeApplyLeaveTheRecordAndAreReportedInHealth() throws {
        let engine = FaultInjectingEngine(wrapping: InMemoryEngine())
        let key = StorageKey(0, "k")
        try engine.update(key) { _ in [1] }
        engine.failWrites(.beforeApply, count: 2)
        for _ in 0..<2 {
            #expect {
                try engine.update(key) { _ in [2] }
            } throws: { error in
                (error as? StorageError)?.kind == .writeFault && "\(error)".contains("may not be durable")
            }
        }
        #expect(try engine.get(key) == [1])
        guard case .writeFault = engine.health else {
            Issue.record("health is \(engine.health)")
            return
        }
        #expect(engine.statistics.writeFaults == 2)
        try engine.update(key) { _ in [3] }
        #expect(engine.health == .ok)
        #expect(try engine.get(key) == [3])
    }

    @Test func writeFaultsAfterApplyStoreTheWriteButFailIt() throws {
        let engine = FaultInjectingEngine(wrapping: InMemoryEngine())
        let key = StorageKey(0, "k")
        engine.failWrites(.afterApply)
        #expect(throws: StorageError.self) { try engine.update(key) { _ in [1] } }
        #expect(try engine.get(key) == [1])
        let results = ResultBox()
        engine.update(key, { _ in [2] }) { results.put($0) }
        guard case let .failure(error) = results.take() else {
            Issue.record("the async update did not fail")
            return
        }
        #expect(error.kind == .writeFault)
        #expect(try engine.get(key) == [2])
        #expect(throws: StorageError.self) { try engine.setMetadata("m", [1]) }
        engine.failWrites(nil)
        try engine.setMetadata("m", [1])
        #expect(engine.health == .ok)
    }

    @Test func readFaults() throws {
        let engine = FaultInjectingEngine(wrapping: InMemoryEngine())
        try engine.update(StorageKey(0, "k")) { _ in [1] }
        engine.failReads(true)
        #expect(throws: StorageError.self) { try engine.get(StorageKey(0, "k")) }
        #expect(throws: StorageError.self) { try engine.scan(partition: 0, after: nil, limit: 1) }
        let results = ResultBox()
        engine.get(StorageKey(0, "k")) { results.put($0) }
        #expect(results.take().map { (try? $0.get()) == nil } == true)
        engine.failReads(false)
        #expect(try engine.get(StorageKey(0, "k")) == [1])
    }
}

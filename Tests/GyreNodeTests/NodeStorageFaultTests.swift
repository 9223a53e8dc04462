import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// A storage write fault (disk full, I/O error) fails the writes it hits with the documented
/// status, keeps reads working, shows in health and stats, and clears without a restart.
@Suite struct NodeStorageFaultTests {
    private func health(_ harness: NodeHarness, _ service: String) async throws -> ServingStatus {
        try HealthCheckResponse.decode(await harness.call("/grpc.health.v1.Health/Check",
                                                          HealthCheckRequest(service: service)).unaryMessage()).status
    }

    private func stat(_ harness: NodeHarness, _ name: String) -> UInt64? {
        harness.node.stats().counters.first { $0.name == name }?.value
    }

    @Test(arguments: [FaultInjectingEngine.WriteFault.beforeApply, .afterApply])
    func writeFaultFailsWritesKeepsReadsAndClears(fault: FaultInjectingEngine.WriteFault) async throws {
        let storage = FaultInjectingEngine(wrapping: InMemoryEngine())
        let harness = try await NodeHarness.start(storage: storage)
        _ = try await harness.put("before", "kept")

        storage.failWrites(fault)
        let refused = await harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("during"), value: Array("x".utf8)))
        #expect(refused.status.code == .unavailable)
        #expect(refused.status.message.contains("storage write fault"))
        #expect(refused.status.trailers["gyre-outcome"] == "possibly-applied")
        #expect(refused.status.trailers["gyre-acks"] == "0")
        // Reads keep working, and what was acknowledged before is still there.
        #expect(try await harness.get("before").values == [Array("kept".utf8)])
        #expect(try await health(harness, "") == .serving)
        #expect(try await health(harness, "gyre.storage.write") == .notServing)
        #expect(stat(harness, "storage.write_fault") == 1)
        #expect((stat(harness, "storage.write_faults") ?? 0) >= 1)

        storage.failWrites(nil)
        let put = try await harness.put("after", "works")
        #expect(put.values == [Array("works".utf8)])
        #expect(try await health(harness, "gyre.storage.write") == .serving)
        #expect(stat(harness, "storage.write_fault") == 0)
        #expect(try await harness.get("before").values == [Array("kept".utf8)])
        await harness.stop()
    }
}

/// The sibling cap, end to end: a write that would exceed it is refused with a status that tells
/// the client to resolve its siblings, and nothing is written for it.
@Suite struct NodeVersionCapTests {
    @Test func aWriteBeyondTheSiblingCapIsRefusedAndWritesNothing() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage) { $0.versionLimits = VersionSetLimits(maxValues: 2, maxBytes: 1 << 20) }
        _ = try await harness.put("k", "a")
        _ = try await harness.put("k", "b")  // no context: a sibling
        let writes = storage.statistics.writes
        let refused = await harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: Array("c".utf8)))
        #expect(refused.status.code == .failedPrecondition)
        #expect(refused.status.message.contains("sibling"))
        #expect(storage.statistics.writes == writes)
        #expect(Set(try await harness.get("k").values) == [Array("a".utf8), Array("b".utf8)])
        await harness.stop()
    }
}

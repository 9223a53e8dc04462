import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// Deadlines and overload enforced by the node itself. Requests are held by the test hook until
/// the test releases them, so nothing races a wall-clock delay against a deadline.
@Suite struct NodeDeadlineTests {
    @Test func expiredWriteIsAnsweredByServerAndNotApplied() async throws {
        let harness = try await NodeHarness.start()
        let connection = try await harness.client.connection(host: "127.0.0.1", port: harness.port)
        // grpc-timeout 100 ms travels as metadata only: the client itself waits for the server,
        // which answers at the deadline while the handler is still held.
        let response = await connection.call(
            path: "/gyre.v1.KV/Put",
            framedRequest: PutRequest(key: Key("late"), value: [1]).encodeFramed(),
            metadata: ["grpc-timeout": "100m", "gyre-test-hold": "late"])
        #expect(response.status.code == .deadlineExceeded)
        #expect(harness.node.metrics.calls("KV.Put", .deadlineExceeded) == 1)
        #expect(harness.node.stats()["rpc.deadline_exceeded"] == 1)
        // Released after its deadline, the handler sees it expired and does not write.
        #expect(harness.node.testHooks.heldCount("late") == 1)
        await harness.node.testHooks.release("late")
        #expect(harness.node.stats()["kv.expired_writes_skipped"] == 1)
        #expect(try await harness.get("late").values.isEmpty)
        await harness.stop()
    }

    @Test func writeReleasedWithinItsDeadlineIsApplied() async throws {
        let harness = try await NodeHarness.start()
        async let response = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("on-time"), value: [1]),
                                          metadata: ["gyre-test-hold": "on-time"], timeoutNanoseconds: 30_000_000_000)
        #expect(await harness.node.testHooks.waitUntilHeld("on-time"))
        await harness.node.testHooks.release("on-time")
        #expect(await response.status.code == .ok)
        #expect(try await harness.get("on-time").values == [[1]])
        await harness.stop()
    }

    @Test func overloadedNodeAnswersResourceExhausted() async throws {
        let harness = try await NodeHarness.start { $0.maxInFlight = 2 }
        async let first = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("a"), value: [1]),
                                       metadata: ["gyre-test-hold": "busy"])
        async let second = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("b"), value: [1]),
                                        metadata: ["gyre-test-hold": "busy"])
        #expect(await harness.node.testHooks.waitUntilHeld("busy", count: 2))
        #expect(harness.node.stats()["rpc.in_flight"] == 2)
        let third = await harness.call("/gyre.v1.KV/Get", GetRequest(key: Key("a")))
        #expect(third.status.code == .resourceExhausted)
        #expect(third.status.message.contains("in flight"))
        await harness.node.testHooks.release("busy")
        #expect(await first.status.code == .ok)
        #expect(await second.status.code == .ok)
        #expect(harness.node.stats()["rpc.overloaded"] == 1)
        await harness.stop()
    }

    @Test func shutdownLetsCallsInFlightFinish() async throws {
        let harness = try await NodeHarness.start()
        async let pending = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("drain"), value: [7]),
                                         metadata: ["gyre-test-hold": "drain"])
        #expect(await harness.node.testHooks.waitUntilHeld("drain"))
        // The shutdown stops accepting and waits for the held call; releasing it lets it finish.
        let shutdown = Task { await harness.node.shutdown() }
        #expect(await NodeHarness.eventually { !harness.node.isServing })
        await harness.node.testHooks.release("drain")
        await shutdown.value
        #expect(await pending.status.code == .ok)
        #expect(harness.node.storage.count == 1)
        await harness.client.close()
    }

    /// Writes released together run in one pass of one event loop: what they send to each peer
    /// leaves as one Replica.Batch (two peers, two batches, every replica call in them).
    @Test func writesOfOnePassAreBatchedPerPeer() async throws {
        let nodes = try await NodeClusterTests.startCluster(3)
        let count = 8
        let calls = (0..<count).map { index in
            Task {
                await nodes[0].call("/gyre.v1.KV/Put", PutRequest(key: Key("batched-\(index)"), value: [UInt8(index)]),
                                    metadata: ["gyre-test-hold": "together"])
            }
        }
        #expect(await nodes[0].node.testHooks.waitUntilHeld("together", count: count))
        let before = nodes[0].node.stats()
        await nodes[0].node.testHooks.release("together")
        for call in calls { #expect(await call.value.status.code == .ok) }
        let after = nodes[0].node.stats()
        #expect(after["replica.batches"] - before["replica.batches"] == 2)
        #expect(after["replica.calls"] - before["replica.calls"] == UInt64(2 * count))
        for node in nodes { await node.stop() }
    }
}

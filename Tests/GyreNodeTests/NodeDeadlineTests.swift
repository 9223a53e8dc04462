import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// Deadlines and overload enforced by the node itself, using the test-only delay hook.
@Suite struct NodeDeadlineTests {
    @Test func expiredWriteIsAnsweredByServerAndNotApplied() async throws {
        let harness = try await NodeHarness.start()
        let connection = try await harness.client.connection(host: "127.0.0.1", port: harness.port)
        // grpc-timeout 100 ms travels as metadata only: the client itself waits for the server.
        let response = await connection.call(
            path: "/gyre.v1.KV/Put",
            framedRequest: PutRequest(key: Key("late"), value: [1]).encodeFramed(),
            metadata: ["grpc-timeout": "100m", "gyre-test-delay-ms": "300"])
        #expect(response.status.code == .deadlineExceeded)
        #expect(harness.node.metrics.calls("KV.Put", .deadlineExceeded) == 1)
        let stats = harness.node.stats()
        #expect(stats["rpc.deadline_exceeded"] == 1)
        // The delayed handler runs later, sees the expired deadline and does not write.
        #expect(await NodeHarness.eventually { harness.node.stats()["kv.expired_writes_skipped"] == 1 })
        #expect(try await harness.get("late").values.isEmpty)
        await harness.stop()
    }

    @Test func writeWithinItsDeadlineIsApplied() async throws {
        let harness = try await NodeHarness.start()
        let response = await harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("on-time"), value: [1]),
                                          metadata: ["gyre-test-delay-ms": "20"], timeoutNanoseconds: 5_000_000_000)
        #expect(response.status.code == .ok)
        #expect(try await harness.get("on-time").values == [[1]])
        await harness.stop()
    }

    @Test func overloadedNodeAnswersResourceExhausted() async throws {
        let harness = try await NodeHarness.start { $0.maxInFlight = 2 }
        async let first = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("a"), value: [1]),
                                       metadata: ["gyre-test-delay-ms": "300"])
        async let second = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("b"), value: [1]),
                                        metadata: ["gyre-test-delay-ms": "300"])
        #expect(await NodeHarness.eventually { harness.node.stats()["rpc.in_flight"] == 2 })
        let third = await harness.call("/gyre.v1.KV/Get", GetRequest(key: Key("a")))
        #expect(third.status.code == .resourceExhausted)
        #expect(third.status.message.contains("in flight"))
        #expect(await first.status.code == .ok)
        #expect(await second.status.code == .ok)
        #expect(harness.node.stats()["rpc.overloaded"] == 1)
        await harness.stop()
    }

    @Test func shutdownLetsCallsInFlightFinish() async throws {
        let harness = try await NodeHarness.start()
        async let pending = harness.call("/gyre.v1.KV/Put", PutRequest(key: Key("drain"), value: [7]),
                                         metadata: ["gyre-test-delay-ms": "200"])
        #expect(await NodeHarness.eventually { harness.node.stats()["rpc.in_flight"] == 1 })
        await harness.node.shutdown()
        #expect(await pending.status.code == .ok)
        #expect(harness.node.storage.count == 1)
        await harness.client.close()
    }
}

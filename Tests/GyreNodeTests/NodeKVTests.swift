import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// The KV service of one in-process node, called over loopback.
@Suite struct NodeKVTests {
    @Test func putGetDeleteRoundTrip() async throws {
        let harness = try await NodeHarness.start()
        let missing = try await harness.get("k")
        #expect(missing.values.isEmpty)
        let put = try await harness.put("k", "v1", context: missing.context)
        #expect(put.replicas == 1)
        let read = try await harness.get("k")
        #expect(read.values == [Array("v1".utf8)])
        #expect(read.context == put.context)
        let deleted = await harness.call("/gyre.v1.KV/Delete", DeleteRequest(key: Key("k"), context: read.context))
        #expect(deleted.status.code == .ok)
        let afterDelete = try await harness.get("k")
        #expect(afterDelete.values.isEmpty)
        #expect(afterDelete.context != read.context)
        #expect(harness.node.metrics.calls("KV.Get", .ok) == 3)
        await harness.stop()
    }

    @Test func invalidRequestsAreRefusedWithMessages() async throws {
        let harness = try await NodeHarness.start { $0.limits = KVLimits(maxKeyBytes: 8, maxValueBytes: 16) }
        func status<R: WireMessage>(_ path: String, _ request: R) async -> RPCStatus {
            await harness.call(path, request).status
        }
        let empty = await status("/gyre.v1.KV/Put", PutRequest(key: Key([]), value: [1]))
        #expect(empty.code == .invalidArgument && empty.message.contains("key is empty"))
        let longKey = await status("/gyre.v1.KV/Get", GetRequest(key: Key("123456789")))
        #expect(longKey.code == .invalidArgument && longKey.message.contains("key is 9 bytes: the limit is 8 bytes"))
        let longValue = await status("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: Array(repeating: 0, count: 17)))
        #expect(longValue.code == .invalidArgument && longValue.message.contains("value is 17 bytes"))
        let foreign = await status("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: [1], context: CausalContext([9, 9])))
        #expect(foreign.code == .invalidArgument && foreign.message.contains("context"))
        // W above N (3) is malformed; above the cluster size (1 node) it cannot be met.
        let aboveN = await status("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: [1], w: 4))
        #expect(aboveN.code == .invalidArgument && aboveN.message.contains("N=3"))
        let aboveS = await status("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: [1], w: 3))
        #expect(aboveS.code == .unavailable && aboveS.message.contains("only 1 node"))
        let malformed = await harness.client.call(host: "127.0.0.1", port: harness.port, path: "/gyre.v1.KV/Get",
                                                  framedRequest: MessageFraming.frame([0xFF, 0xFF, 0xFF]))
        #expect(malformed.status.code == .invalidArgument)
        // Nothing was stored by any of them.
        #expect(harness.node.storage.count == 0)
        await harness.stop()
    }

    @Test func healthCheck() async throws {
        let harness = try await NodeHarness.start()
        let serving = await harness.call("/grpc.health.v1.Health/Check", HealthCheckRequest(service: ""))
        #expect(try HealthCheckResponse.decode(serving.unaryMessage()).status == .serving)
        let kv = await harness.call("/grpc.health.v1.Health/Check", HealthCheckRequest(service: "gyre.v1.KV"))
        #expect(try HealthCheckResponse.decode(kv.unaryMessage()).status == .serving)
        let unknown = await harness.call("/grpc.health.v1.Health/Check", HealthCheckRequest(service: "nope"))
        #expect(unknown.status.code == .notFound)
        await harness.stop()
    }

    @Test func statsReportCounters() async throws {
        let harness = try await NodeHarness.start()
        _ = try await harness.put("a", "1")
        _ = await harness.call("/gyre.v1.KV/Nope", GetRequest(key: Key("a")))
        let stats = try NodeStats.decode(await harness.call("/gyre.v1.Cluster/Stats", StatsRequest()).unaryMessage())
        #expect(stats["rpc.KV.Put.OK"] == 1)
        #expect(stats["rpc.unknown_method"] == 1)
        #expect(stats["storage.keys"] == 1)
        #expect(stats.counters.map(\.name) == stats.counters.map(\.name).sorted())
        await harness.stop()
    }
}

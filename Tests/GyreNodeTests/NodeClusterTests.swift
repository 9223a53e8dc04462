import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import NIOCore
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// In-process clusters over loopback: formation, the peer port's separation, cluster identity.
@Suite struct NodeClusterTests {
    /// Free loopback ports (bound then released; the kernel does not hand them out again at once).
    static func freePorts(_ count: Int) async throws -> [Int] {
        var channels: [any Channel] = []
        for _ in 0..<count {
            channels.append(try await ServerBootstrap(group: NodeHarness.group).bind(host: "127.0.0.1", port: 0).get())
        }
        let ports = channels.map { $0.localAddress!.port! }
        for channel in channels { try await channel.close() }
        return ports
    }

    /// A cluster of `size` nodes on free peer ports. A port found free can be taken by another
    /// test's listener before the node binds it (tests run in parallel, other processes share
    /// the ports): then the whole cluster is started again on other ports, up to three times.
    static func startCluster(_ size: Int, _ configure: (inout NodeConfiguration) -> Void = { _ in }) async throws -> [NodeHarness] {
        var attempt = 0
        while true {
            attempt += 1
            let ports = try await freePorts(size)
            let peers = ports.map { "127.0.0.1:\($0)" }
            var harnesses: [NodeHarness] = []
            do {
                for port in ports {
                    harnesses.append(try await NodeHarness.start(waitUntilFormed: false) { configuration in
                        configuration.cluster.peerPort = port
                        configuration.cluster.peers = peers
                        configuration.cluster.partitionCount = 64
                        configuration.cluster.replicaTimeoutNanoseconds = 300_000_000
                        configure(&configuration)
                    })
                }
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 3 {
                for harness in harnesses { await harness.stop() }
                continue
            }
            for harness in harnesses { try await harness.node.formed() }
            return harnesses
        }
    }

    @Test func threeNodesFormOneRingAndReplicateEveryWrite() async throws {
        let nodes = try await Self.startCluster(3)
        let put = try await nodes[0].put("k", "v")
        #expect(put.replicas >= 2)
        #expect(put.values == [Array("v".utf8)])
        for node in nodes {
            #expect(try await node.get("k").values == [Array("v".utf8)])
        }
        // Every node holds a replica (N = 3 = S), once the write reached all of them.
        #expect(await NodeHarness.eventually { nodes.allSatisfy { $0.node.storage.count == 1 } })
        let rings = try await nodes.asyncMap { node in
            try RingInfo.decode(await node.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        }
        #expect(Set(rings.map(\.owners)).count == 1)
        #expect(Set(rings.map(\.clusterID)).count == 1)
        #expect(rings[0].members.count == 3 && rings[0].replication == 3 && rings[0].partitionCount == 64)
        for node in nodes { await node.stop() }
    }

    /// A deadline within the coordinator's 5 ms margin leaves no time to hear from replicas:
    /// DEADLINE_EXCEEDED before anything starts (it used to time out at once as UNAVAILABLE), and
    /// a write says it was not applied.
    @Test func aDeadlineShorterThanTheMarginIsDeadlineExceeded() async throws {
        let nodes = try await Self.startCluster(3)
        // Sent as metadata so the client does not give up first: 1 ms left on arrival.
        let put = await nodes[0].call("/gyre.v1.KV/Put", PutRequest(key: Key("short"), value: [1]),
                                      metadata: ["grpc-timeout": "1m"])
        #expect(put.status.code == .deadlineExceeded)
        #expect(put.status.trailers["gyre-outcome"] == "not-applied")
        let get = await nodes[0].call("/gyre.v1.KV/Get", GetRequest(key: Key("short")), metadata: ["grpc-timeout": "1m"])
        #expect(get.status.code == .deadlineExceeded)
        #expect(try await nodes[1].get("short").values.isEmpty)
        for node in nodes { await node.stop() }
    }

    @Test func replicaServiceIsOnlyOnThePeerPort() async throws {
        let harness = try await NodeHarness.start()
        try await harness.node.formed()
        let response = await harness.call("/gyre.v1.Replica/Get", ReplicaGetRequest(key: Key("k"), partition: 0))
        #expect(response.status.code == .unimplemented)
        await harness.stop()
    }

    @Test func nodeOfAnotherClusterIsRefused() async throws {
        let harness = try await NodeHarness.start()
        try await harness.node.formed()
        let (host, port) = (String(harness.node.peerAddress.split(separator: ":")[0]),
                            Int(harness.node.peerAddress.split(separator: ":")[1])!)
        var random = SystemRandomNumberGenerator()
        let stranger = ClusterID.random(using: &random)
        let refused = await harness.client.call(
            host: host, port: port, path: "/gyre.v1.Replica/Get",
            framedRequest: ReplicaGetRequest(key: Key("k"), partition: 0).encodeFramed(),
            metadata: ["gyre-cluster-id": stranger.description, "gyre-from": "test"])
        #expect(refused.status.code == .failedPrecondition)
        #expect(refused.status.message.contains("cluster id mismatch"))
        // Identify answers anyone (it is how a forming cluster learns the ids).
        let identify = await harness.client.call(host: host, port: port, path: "/gyre.v1.Replica/Identify",
                                                 framedRequest: IdentifyRequest().encodeFramed())
        let me = try IdentifyResponse.decode(identify.unaryMessage())
        #expect(me.member.id == harness.node.id)
        await harness.stop()
    }

    /// Replica.Batch: each item answers what the single call would, a bad item fails alone, and
    /// the whole call is refused to another cluster.
    @Test func replicaBatchAnswersEveryItemOnItsOwn() async throws {
        let harness = try await NodeHarness.start()
        try await harness.node.formed()
        let ring = try RingInfo.decode(await harness.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let (host, port) = (String(harness.node.peerAddress.split(separator: ":")[0]),
                            Int(harness.node.peerAddress.split(separator: ":")[1])!)
        func batch(_ request: ReplicaBatchRequest, cluster: ClusterID) async -> ClientResponse {
            await harness.client.call(host: host, port: port, path: "/gyre.v1.Replica/Batch",
                                      framedRequest: request.encodeFramed(),
                                      metadata: ["gyre-cluster-id": cluster.description, "gyre-from": "test",
                                                 "gyre-to": harness.node.id.description, "gyre-ring-epoch": "1"])
        }
        let p = { (key: String) in NodeReplicaChecksTests.partition(key, harness) }
        var random = SystemRandomNumberGenerator()
        let versions = VersionSet().updated(context: VersionVector(), value: .value(Array("v".utf8)),
                                            actor: NodeID.random(using: &random))
        let writes = ReplicaBatchRequest(puts: [
            ReplicaPutRequest(key: Key("a"), partition: p("a"), versionSet: versions.encode()),
            ReplicaPutRequest(key: Key("b"), partition: p("b"), versionSet: [0xFF, 0x00, 0x13]),
            ReplicaPutRequest(key: Key("c"), partition: p("c"), versionSet: versions.encode(), repair: true),
        ])
        let written = try ReplicaBatchResponse.decode(await batch(writes, cluster: ring.clusterID).unaryMessage())
        #expect(written.gets.isEmpty)
        #expect(written.puts.map(\.code) == [0, UInt32(StatusCode.invalidArgument.rawValue), 0])
        #expect(written.puts[1].message.contains("undecodable version set"))
        let reads = ReplicaBatchRequest(gets: [
            ReplicaGetRequest(key: Key("a"), partition: p("a")), ReplicaGetRequest(key: Key("b"), partition: p("b")),
            ReplicaGetRequest(key: Key("c"), partition: p("c")), ReplicaGetRequest(key: Key("d"), partition: p("d")),
        ])
        let read = try ReplicaBatchResponse.decode(await batch(reads, cluster: ring.clusterID).unaryMessage())
        #expect(read.gets.map(\.versionSet) == [versions.encode(), nil, versions.encode(), nil])
        #expect(read.gets.allSatisfy { $0.isOK })
        let repairs = harness.node.stats().counters.first { $0.name == "replica.repairs_received" }
        #expect(repairs?.value == 1)
        let refused = await batch(reads, cluster: ClusterID.random(using: &random))
        #expect(refused.status.code == .failedPrecondition)
        await harness.stop()
    }

    /// Many large writes at once: the replica calls for one peer must not be batched beyond the
    /// peers' message limit (12 x 1 MiB would be refused as one 12 MiB batch).
    @Test func concurrentLargeWritesAllReplicate() async throws {
        // Small limits keep the test light: peers accept 2 x 1 MiB messages, values up to 256 KiB,
        // so 12 values (3 MiB) to one peer would be refused as one batch.
        let nodes = try await Self.startCluster(3) { configuration in
            configuration.limits = KVLimits(maxKeyBytes: 1024, maxValueBytes: 256 << 10)
            configuration.maxMessageBytes = 1 << 20
        }
        let value = [UInt8](repeating: 0xAB, count: (256 << 10) - 64)
        let codes = await withTaskGroup(of: StatusCode.self) { group in
            for index in 0..<12 {
                group.addTask {
                    await nodes[0].call("/gyre.v1.KV/Put", PutRequest(key: Key("big-\(index)"), value: value)).status.code
                }
            }
            return await group.reduce(into: [StatusCode]()) { $0.append($1) }
        }
        #expect(codes == Array(repeating: .ok, count: 12))
        #expect(await NodeHarness.eventually(seconds: 60) { nodes.allSatisfy { $0.node.storage.count == 12 } })
        for node in nodes { await node.stop() }
    }

    @Test func formationFailsClearlyWhenAPeerNeverAnswers() async throws {
        let ports = try await Self.freePorts(2)
        let harness = try await NodeHarness.start(waitUntilFormed: false) { configuration in
            configuration.cluster.peerPort = ports[0]
            configuration.cluster.peers = ports.map { "127.0.0.1:\($0)" }
            configuration.cluster.formationTimeoutSeconds = 0.5
        }
        await #expect(throws: (any Error).self) { try await harness.node.formed() }
        let early = await harness.call("/gyre.v1.KV/Get", GetRequest(key: Key("k")))
        #expect(early.status.code == .unavailable)
        #expect(early.status.message.contains("forming"))
        await harness.stop()
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

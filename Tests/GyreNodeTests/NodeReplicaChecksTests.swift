import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// What the peer port refuses before anything is read or written: an empty key on every path,
/// a batch above the item cap.
@Suite struct NodeReplicaChecksTests {
    /// Calls `path` on the node's peer port as a member of its cluster.
    static func peerCall<Request: WireMessage>(_ harness: NodeHarness, _ path: String, _ request: Request) async throws -> ClientResponse {
        let ring = try RingInfo.decode(await harness.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let parts = harness.node.peerAddress.split(separator: ":")
        return await harness.client.call(host: String(parts[0]), port: Int(parts[1])!, path: path,
                                         framedRequest: request.encodeFramed(),
                                         metadata: ["gyre-cluster-id": ring.clusterID.description, "gyre-from": "test"])
    }

    static let versions: [UInt8] = {
        var random = SystemRandomNumberGenerator()
        return VersionSet().updated(context: VersionVector(), value: .value(Array("v".utf8)),
                                    actor: NodeID.random(using: &random)).encode()
    }()

    @Test func anEmptyKeyIsRefusedOnEveryReplicaPath() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage)
        let empty = Key([])
        let get = try await Self.peerCall(harness, "/gyre.v1.Replica/Get", ReplicaGetRequest(key: empty, partition: 0))
        #expect(get.status.code == .invalidArgument && get.status.message.contains("key is empty"))
        let put = try await Self.peerCall(harness, "/gyre.v1.Replica/Put",
                                          ReplicaPutRequest(key: empty, partition: 0, versionSet: Self.versions))
        #expect(put.status.code == .invalidArgument && put.status.message.contains("key is empty"))
        let batch = try ReplicaBatchResponse.decode(try await Self.peerCall(harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(
            gets: [ReplicaGetRequest(key: empty, partition: 0), ReplicaGetRequest(key: Key("a"), partition: 0)],
            puts: [ReplicaPutRequest(key: empty, partition: 0, versionSet: Self.versions),
                   ReplicaPutRequest(key: Key("a"), partition: 0, versionSet: Self.versions)])).unaryMessage())
        let invalid = UInt32(StatusCode.invalidArgument.rawValue)
        #expect(batch.gets.map(\.code) == [invalid, 0])
        #expect(batch.puts.map(\.code) == [invalid, 0])
        #expect(batch.puts[0].message.contains("key is empty"))
        let operations: [CoordinateRequest.Operation] = [
            .get(GetRequest(key: empty)), .put(PutRequest(key: empty, value: [1])), .delete(DeleteRequest(key: empty)),
        ]
        for operation in operations {
            let coordinate = try await Self.peerCall(harness, "/gyre.v1.Replica/Coordinate",
                                                     CoordinateRequest(operation: operation, hops: 1))
            #expect(coordinate.status.code == .invalidArgument && coordinate.status.message.contains("key is empty"))
        }
        // Only the batch's valid put ("a") was written.
        #expect(storage.statistics.writes == 1)
        await harness.stop()
    }

    @Test func aBatchAboveTheItemCapIsRefusedBeforeAnyItemRuns() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage)
        let cap = ReplicaBatchRequest.maxItems
        let puts = (0...cap).map { ReplicaPutRequest(key: Key("k\($0)"), partition: 0, versionSet: Self.versions) }
        let refused = try await Self.peerCall(harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(puts: puts))
        #expect(refused.status.code == .resourceExhausted)
        #expect(refused.status.message.contains("the limit is \(cap)"))
        let mixed = ReplicaBatchRequest(gets: [ReplicaGetRequest(key: Key("g"), partition: 0)], puts: Array(puts.prefix(cap)))
        #expect(try await Self.peerCall(harness, "/gyre.v1.Replica/Batch", mixed).status.code == .resourceExhausted)
        #expect(storage.statistics.writes == 0)
        // Exactly the cap is served.
        let full = try ReplicaBatchResponse.decode(try await Self.peerCall(
            harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(puts: Array(puts.prefix(cap)))).unaryMessage())
        #expect(full.puts.count == cap && full.puts.allSatisfy(\.isOK))
        #expect(storage.count == cap)
        await harness.stop()
    }
}

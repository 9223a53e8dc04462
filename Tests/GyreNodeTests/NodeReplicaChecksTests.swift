import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// What the peer port refuses before anything is read or written: an empty key on every path,
/// a batch above the item cap, a call meant for another node or routed by an older ring, a key
/// outside the partition named, a partition this node does not hold.
@Suite struct NodeReplicaChecksTests {
    /// Calls `path` on the node's peer port as a member of its cluster, addressed to `to` (this
    /// node by default) under ring epoch `epoch` (the node's own by default).
    static func peerCall<Request: WireMessage>(_ harness: NodeHarness, _ path: String, _ request: Request,
                                               to: String? = nil, epoch: UInt64? = nil) async throws -> ClientResponse {
        let ring = try RingInfo.decode(await harness.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let parts = harness.node.peerAddress.split(separator: ":")
        return await harness.client.call(host: String(parts[0]), port: Int(parts[1])!, path: path,
                                         framedRequest: request.encodeFramed(),
                                         metadata: ["gyre-cluster-id": ring.clusterID.description, "gyre-from": "test",
                                                    "gyre-to": to ?? harness.node.id.description,
                                                    "gyre-ring-epoch": String(epoch ?? ring.epoch)])
    }

    /// The partition `key` belongs to on `harness`'s node.
    static func partition(_ key: String, _ harness: NodeHarness) -> UInt32 {
        UInt32(KeyHash.partition(for: Key(key), partitionCount: harness.node.configuration.cluster.partitionCount))
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
            gets: [ReplicaGetRequest(key: empty, partition: 0), ReplicaGetRequest(key: Key("a"), partition: Self.partition("a", harness))],
            puts: [ReplicaPutRequest(key: empty, partition: 0, versionSet: Self.versions),
                   ReplicaPutRequest(key: Key("a"), partition: Self.partition("a", harness), versionSet: Self.versions)])).unaryMessage())
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
        let puts = (0...cap).map { ReplicaPutRequest(key: Key("k\($0)"), partition: Self.partition("k\($0)", harness), versionSet: Self.versions) }
        let refused = try await Self.peerCall(harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(puts: puts))
        #expect(refused.status.code == .resourceExhausted)
        #expect(refused.status.message.contains("the limit is \(cap)"))
        let mixed = ReplicaBatchRequest(gets: [ReplicaGetRequest(key: Key("g"), partition: Self.partition("g", harness))],
                                        puts: Array(puts.prefix(cap)))
        #expect(try await Self.peerCall(harness, "/gyre.v1.Replica/Batch", mixed).status.code == .resourceExhausted)
        #expect(storage.statistics.writes == 0)
        // Exactly the cap is served.
        let full = try ReplicaBatchResponse.decode(try await Self.peerCall(
            harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(puts: Array(puts.prefix(cap)))).unaryMessage())
        #expect(full.puts.count == cap && full.puts.allSatisfy(\.isOK))
        #expect(storage.count == cap)
        await harness.stop()
    }

    /// Each refusal is FAILED_PRECONDITION with this node's epoch in `gyre-ring-epoch`, and
    /// nothing is written.
    @Test func misroutedReplicaCallsAreRefusedAndWriteNothing() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage)
        let key = "misrouted"
        let right = Self.partition(key, harness)
        let wrong = (right + 1) % UInt32(harness.node.configuration.cluster.partitionCount)
        let put = { (partition: UInt32) in ReplicaPutRequest(key: Key(key), partition: partition, versionSet: Self.versions) }
        var random = SystemRandomNumberGenerator()
        let refusals: [(String, ClientResponse)] = [
            ("key not in partition", try await Self.peerCall(harness, "/gyre.v1.Replica/Put", put(wrong))),
            ("another node", try await Self.peerCall(harness, "/gyre.v1.Replica/Put", put(right),
                                                     to: NodeID.random(using: &random).description)),
            ("no target", try await Self.peerCall(harness, "/gyre.v1.Replica/Put", put(right), to: "")),
            ("older epoch", try await Self.peerCall(harness, "/gyre.v1.Replica/Put", put(right), epoch: 0)),
            ("get of a key not in partition", try await Self.peerCall(
                harness, "/gyre.v1.Replica/Get", ReplicaGetRequest(key: Key(key), partition: wrong))),
            ("coordinate for another node", try await Self.peerCall(
                harness, "/gyre.v1.Replica/Coordinate", CoordinateRequest(operation: .get(GetRequest(key: Key(key))), hops: 1),
                to: NodeID.random(using: &random).description)),
        ]
        for (what, response) in refusals {
            #expect(response.status.code == .failedPrecondition, "\(what): \(response.status)")
            #expect(response.status.trailers["gyre-ring-epoch"] == "1", "\(what)")
        }
        let batch = try ReplicaBatchResponse.decode(try await Self.peerCall(
            harness, "/gyre.v1.Replica/Batch", ReplicaBatchRequest(puts: [put(wrong), put(right)])).unaryMessage())
        #expect(batch.puts.map(\.code) == [UInt32(StatusCode.failedPrecondition.rawValue), 0])
        #expect(batch.puts[0].message.contains("ring epoch: 1"))
        // Only the batch's well-routed put was written.
        #expect(storage.statistics.writes == 1)
        await harness.stop()
    }

    /// With N = 2 of 3 nodes, each node holds only some partitions: a replica call for one it does
    /// not hold is refused, even with the key in the partition named.
    @Test func aPartitionThisNodeDoesNotHoldIsRefused() async throws {
        let nodes = try await NodeClusterTests.startCluster(3) { $0.cluster.replication = 2 }
        let target = nodes[0]
        let ring = try RingInfo.decode(await target.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let rebuilt = try Ring(epoch: ring.epoch, partitionCount: Int(ring.partitionCount),
                               owners: ring.owners.map { ring.members[Int($0)].id }, members: ring.members)
        let key = (0..<1000).map { "k\($0)" }.first { key in
            !rebuilt.preferenceList(for: Key(key), n: 2).contains(target.node.id)
        }!
        let writesBefore = target.node.storage.statistics.writes
        let response = try await Self.peerCall(target, "/gyre.v1.Replica/Put",
                                               ReplicaPutRequest(key: Key(key), partition: Self.partition(key, target), versionSet: Self.versions))
        #expect(response.status.code == .failedPrecondition)
        #expect(response.status.message.contains("does not hold partition"))
        #expect(target.node.storage.statistics.writes == writesBefore)
        for node in nodes { await node.stop() }
    }
}

import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// Replica.HintPut and a fallback's read: with N = 2 of 3 nodes each key has one node outside its
/// replicas, which keeps hints for them apart from its data, answers reads from them, and refuses
/// hints for an owner that is not a replica.
@Suite struct NodeHintTests {
    @Test func aFallbackKeepsHintsApartAndReadsThem() async throws {
        let nodes = try await NodeClusterTests.startCluster(3) { $0.cluster.replication = 2 }
        let fallback = nodes[0]
        let ring = try RingInfo.decode(await fallback.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let rebuilt = try Ring(epoch: ring.epoch, partitionCount: Int(ring.partitionCount),
                               owners: ring.owners.map { ring.members[Int($0)].id }, members: ring.members)
        let key = (0..<1000).map { "h\($0)" }.first { !rebuilt.preferenceList(for: Key($0), n: 2).contains(fallback.node.id) }!
        let owners = rebuilt.preferenceList(for: Key(key), n: 2)
        let partition = NodeReplicaChecksTests.partition(key, fallback)
        let stored = fallback.node.storage.count
        let hint = HintPutRequest(key: Key(key), partition: partition, versionSet: NodeReplicaChecksTests.versions, owner: owners[0])
        let put = try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/HintPut", hint)
        #expect(put.status.code == .ok)
        #expect(fallback.node.storage.count == stored)
        #expect(try fallback.node.storage.get(.hint(owner: owners[0], for: StorageKey(partition: partition, key: Key(key))))
                    == NodeReplicaChecksTests.versions)
        // Its own copy: none (refused: not its partition); its hints: the version.
        let own = try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/Get",
                                                           ReplicaGetRequest(key: Key(key), partition: partition))
        #expect(own.status.code == .failedPrecondition)
        let hinted = try ReplicaGetResponse.decode(try await NodeReplicaChecksTests.peerCall(
            fallback, "/gyre.v1.Replica/Get", ReplicaGetRequest(key: Key(key), partition: partition, fromHints: true)).unaryMessage())
        #expect(hinted.versionSet == NodeReplicaChecksTests.versions)
        #expect(fallback.node.stats()["hints.stored"] == 1)
        // A hint for a node that is not one of the key's replicas is refused, and nothing is kept.
        var refused = hint
        refused.owner = fallback.node.id
        let bad = try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/HintPut", refused)
        #expect(bad.status.code == .failedPrecondition)
        #expect(bad.status.message.contains("not a replica"))
        #expect(fallback.node.stats()["hints.stored"] == 1)
        // A hint sent to one of the key's own replicas goes into its copy.
        let owner = nodes.first { $0.node.id == owners[1] }!
        let ownerCount = owner.node.storage.count
        var direct = hint
        direct.partition = NodeReplicaChecksTests.partition(key, owner)
        #expect(try await NodeReplicaChecksTests.peerCall(owner, "/gyre.v1.Replica/HintPut", direct).status.code == .ok)
        #expect(owner.node.storage.count == ownerCount + 1)
        for node in nodes { await node.stop() }
    }
}

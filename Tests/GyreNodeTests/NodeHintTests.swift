import GyreHTTP2
import GyreModel
import GyreNode
import GyrePipeline
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

    @Test func hintsPastAnOwnersCapsAreRefusedCountedAndTheirPartitionRecorded() async throws {
        let nodes = try await NodeClusterTests.startCluster(3) {
            $0.cluster.replication = 2
            $0.cluster.hintLimits = HintLimits(maxBytesPerOwner: 4 << 10, window: 1)
        }
        let fallback = nodes[0]
        let ring = try RingInfo.decode(await fallback.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let rebuilt = try Ring(epoch: ring.epoch, partitionCount: Int(ring.partitionCount),
                               owners: ring.owners.map { ring.members[Int($0)].id }, members: ring.members)
        let keys = (0..<1000).map { "cap\($0)" }.filter { !rebuilt.preferenceList(for: Key($0), n: 2).contains(fallback.node.id) }
        let owner = rebuilt.preferenceList(for: Key(keys[0]), n: 2)[0]
        let sameOwner = keys.filter { rebuilt.preferenceList(for: Key($0), n: 2).contains(owner) }
        func hint(_ key: String, _ versions: [UInt8]) -> HintPutRequest {
            HintPutRequest(key: Key(key), partition: NodeReplicaChecksTests.partition(key, fallback), versionSet: versions,
                           owner: owner)
        }
        // The first hint for the owner is kept (its backlog was empty).
        #expect(try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/HintPut",
                                                           hint(sameOwner[0], NodeReplicaChecksTests.versions)).status.code == .ok)
        // The window (1 ns here) has passed for a backlog that is not empty: refused, counted,
        // the partition recorded for a full repair, nothing kept.
        let late = hint(sameOwner[1], NodeReplicaChecksTests.versions)
        let refused = try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/HintPut", late)
        #expect(refused.status.code == .resourceExhausted)
        #expect(refused.status.message.contains("hint window"))
        #expect(fallback.node.stats()["hints.cap_hits"] == 1)
        #expect(try fallback.node.storage.get(.hint(owner: owner, for: StorageKey(partition: late.partition, key: late.key))) == nil)
        #expect(try await eventually { try fallback.node.storage.get(.repairNeeded(partition: late.partition)) != nil })
        // Bigger than the byte cap on its own (for another owner, whose backlog is empty): refused.
        let otherOwner = rebuilt.preferenceList(for: Key(keys[0]), n: 2)[1]
        var random = SystemRandomNumberGenerator()
        let bigVersions = VersionSet().updated(context: VersionVector(), value: .value(Array(repeating: 7, count: 8 << 10)),
                                               actor: NodeID.random(using: &random)).encode()
        var big = hint(keys[0], bigVersions)
        big.owner = otherOwner
        let tooBig = try await NodeReplicaChecksTests.peerCall(fallback, "/gyre.v1.Replica/HintPut", big)
        #expect(tooBig.status.code == .resourceExhausted)
        #expect(fallback.node.stats()["hints.cap_hits"] == 2)
        for node in nodes { await node.stop() }
    }

    /// Polls `condition` for up to 5 s.
    func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

import GyreHTTP2
import GyreModel
import GyreNode
import GyreStorage
import GyreWire
import Testing

/// A node's identity lives in its store: restarting on the same store is the same member of the
/// same cluster; a store of another cluster, or of another Q, is refused at start.
@Suite struct NodeRestartTests {
    @Test func restartOnTheSameStoreKeepsIdClusterRingAndData() async throws {
        let storage = InMemoryEngine()
        let first = try await NodeHarness.start(storage: storage)
        _ = try await first.put("k", "v")
        let ringBefore = try RingInfo.decode(await first.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        await first.stop()

        let second = try await NodeHarness.start(storage: storage)
        #expect(second.node.id == first.node.id)
        let ringAfter = try RingInfo.decode(await second.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        #expect(ringAfter.clusterID == ringBefore.clusterID)
        #expect(ringAfter.owners == ringBefore.owners)
        #expect(ringAfter.members.map(\.id) == ringBefore.members.map(\.id))
        #expect(try await second.get("k").values == [Array("v".utf8)])
        await second.stop()
    }

    @Test func anEmptyStoreMakesANewNode() async throws {
        let first = try await NodeHarness.start(storage: InMemoryEngine())
        let second = try await NodeHarness.start(storage: InMemoryEngine())
        #expect(first.node.id != second.node.id)
        await first.stop()
        await second.stop()
    }

    @Test func aStoreOfAnotherClusterIsRefused() async throws {
        let storage = InMemoryEngine()
        let first = try await NodeHarness.start(storage: storage)
        await first.stop()
        var random = SystemRandomNumberGenerator()
        let other = ClusterID.random(using: &random)
        #expect {
            _ = try Node(configuration: NodeConfiguration(cluster: ClusterConfiguration(clusterID: other)), storage: storage)
        } throws: { error in
            "\(error)".contains("belongs to cluster") && "\(error)".contains("--cluster-id is \(other)")
        }
    }

    @Test func aStoreOfAnotherPartitionCountIsRefused() async throws {
        let storage = InMemoryEngine()
        let first = try await NodeHarness.start(storage: storage) { $0.cluster.partitionCount = 64 }
        await first.stop()
        #expect {
            _ = try Node(configuration: NodeConfiguration(cluster: ClusterConfiguration(partitionCount: 128)), storage: storage)
        } throws: { error in
            "\(error)".contains("Q=64") && "\(error)".contains("--partitions is 128")
        }
    }
}

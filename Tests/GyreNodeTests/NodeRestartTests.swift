import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
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

    /// Contexts were sealed under the stored secret: a store that names its cluster without it
    /// cannot serve them (damaged, or older than the secret).
    @Test func aStoreWithAClusterButNoSecretIsRefused() async throws {
        let storage = InMemoryEngine()
        let first = try await NodeHarness.start(storage: storage)
        await first.stop()
        #expect(try storage.metadata("cluster.secret")?.count == 32)
        try storage.setMetadata("cluster.secret", nil)
        #expect {
            _ = try Node(configuration: NodeConfiguration(), storage: storage)
        } throws: { error in
            "\(error)".contains("holds no cluster secret")
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

/// A member restarted on its store, with the same member list, is back in its stored ring at
/// once, even while another member is down (no formation round that would wait for it).
@Suite struct NodeClusterRestartTests {
    @Test func aRestartedMemberRejoinsItsStoredRingWhileAPeerIsDown() async throws {
        let ports = try await NodeClusterTests.freePorts(3)
        let peers = ports.map { "127.0.0.1:\($0)" }
        let stores = (0..<3).map { _ in InMemoryEngine() }
        func start(_ index: Int) async throws -> NodeHarness {
            try await NodeHarness.start(waitUntilFormed: false, storage: stores[index]) { configuration in
                configuration.cluster.peerPort = ports[index]
                configuration.cluster.peers = peers
                configuration.cluster.partitionCount = 64
                configuration.cluster.replicaTimeoutNanoseconds = 300_000_000
                configuration.cluster.formationTimeoutSeconds = 3
            }
        }
        var nodes: [NodeHarness] = []
        for index in 0..<3 { nodes.append(try await start(index)) }
        for node in nodes { try await node.node.formed() }
        _ = try await nodes[0].put("k", "v")
        // Every replica holds it before two of them go away.
        #expect(await NodeHarness.eventually { stores.allSatisfy { $0.count == 1 } })
        let id = nodes[1].node.id
        await nodes[1].stop()
        await nodes[2].stop()

        let restarted = try await start(1)
        try await restarted.node.formed()
        #expect(restarted.node.id == id)
        // R = 2 from the restarted member and the one still up.
        let read = try GetResponse.decode(await restarted.call("/gyre.v1.KV/Get", GetRequest(key: Key("k"), r: 2)).unaryMessage())
        #expect(read.values == [Array("v".utf8)])
        await restarted.stop()
        await nodes[0].stop()
    }
}

/// The ring has one owner: it is recorded before it is used, and a node whose store does not
/// belong to the formed cluster never makes a ring of its own.
@Suite struct NodeRingOwnershipTests {
    /// Restarted on port 0, the node's addresses change: the stored ring comes back with new
    /// member data, which must be recorded before it is served. When the store refuses the
    /// write, the node does not serve the ring (it used to publish first and only warn).
    @Test func theStoredRingIsRecordedBeforeItIsServed() async throws {
        let inner = InMemoryEngine()
        let first = try await NodeHarness.start(storage: inner)
        let before = try RingInfo.decode(await first.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        await first.stop()

        let faulty = FaultInjectingEngine(wrapping: inner)
        faulty.failWrites(.beforeApply)
        let refused = try await NodeHarness.start(waitUntilFormed: false, storage: faulty)
        await #expect(throws: (any Error).self) { try await refused.node.formed() }
        let ring = await refused.call("/gyre.v1.Cluster/Ring", RingRequest())
        #expect(ring.status.code == .unavailable)
        #expect(try inner.metadata("cluster.ring").map { try RingInfo.decode($0) } == before)
        await refused.stop()

        faulty.failWrites(nil)
        let recorded = try await NodeHarness.start(storage: faulty)
        let after = try RingInfo.decode(await recorded.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        #expect(after.epoch == before.epoch && after.owners == before.owners)
        #expect(after.members[0].peerAddress != before.members[0].peerAddress)
        #expect(after.membersVersion == before.membersVersion + 1)
        #expect(try inner.metadata("cluster.ring").map { try RingInfo.decode($0) } == after)
        await recorded.stop()
    }

    /// One member's data directory is wiped and it restarts beside the live members: it has a
    /// new node id and no cluster, and the others serve a ring without it. It must not form a
    /// ring of its own at epoch 1 (it did, and took writes at the old member's address).
    @Test func aWipedMemberBesideLiveMembersRefusesToForm() async throws {
        let nodes = try await NodeClusterTests.startCluster(3) { $0.cluster.formationTimeoutSeconds = 5 }
        let (port, peers) = (nodes[2].node.configuration.cluster.peerPort, nodes[2].node.configuration.cluster.peers)
        await nodes[2].stop()
        let wiped = try await NodeHarness.start(waitUntilFormed: false, storage: InMemoryEngine()) { configuration in
            configuration.cluster.peerPort = port
            configuration.cluster.peers = peers
            configuration.cluster.partitionCount = 64
            configuration.cluster.formationTimeoutSeconds = 5
        }
        await #expect { try await wiped.node.formed() } throws: { error in
            "\(error)".contains("is not a member") && "\(error)".contains("data directory")
        }
        #expect(await wiped.call("/gyre.v1.KV/Put", PutRequest(key: Key("k"), value: [1])).status.code == .unavailable)
        await wiped.stop()
        for node in nodes.prefix(2) { await node.stop() }
    }
}

/// Before and after formation, what a node proposes and agrees on survives restarts.
@Suite struct NodeFormationMemoryTests {
    private func identify(_ harness: NodeHarness) async throws -> IdentifyResponse {
        let parts = harness.node.peerAddress.split(separator: ":")
        return try IdentifyResponse.decode(await harness.client.call(
            host: String(parts[0]), port: Int(parts[1])!, path: "/gyre.v1.Replica/Identify",
            framedRequest: IdentifyRequest().encodeFramed()).unaryMessage())
    }

    /// A node restarted before its cluster formed proposes the same cluster id and secret again,
    /// so peers that already agreed on its proposal still agree with it.
    @Test func aNodeKeepsItsClusterIdProposalUntilItsClusterForms() async throws {
        let store = InMemoryEngine()
        let ports = try await NodeClusterTests.freePorts(2)
        func start() async throws -> NodeHarness {
            try await NodeHarness.start(waitUntilFormed: false, storage: store) { configuration in
                configuration.cluster.peerPort = ports[0]
                configuration.cluster.peers = ports.map { "127.0.0.1:\($0)" }  // the second never answers
                configuration.cluster.formationTimeoutSeconds = 30
            }
        }
        let first = try await start()
        let proposed = try await identify(first)
        await first.stop()
        let second = try await start()
        let again = try await identify(second)
        #expect(again.clusterID == proposed.clusterID)
        #expect(again.clusterSecret == proposed.clusterSecret)
        await second.stop()
        // Another store proposes another secret.
        let stranger = try await NodeHarness.start(waitUntilFormed: false, storage: InMemoryEngine()) { configuration in
            configuration.cluster.peerPort = ports[0]
            configuration.cluster.peers = ports.map { "127.0.0.1:\($0)" }
            configuration.cluster.formationTimeoutSeconds = 30
        }
        #expect(try await identify(stranger).clusterSecret != proposed.clusterSecret)
        await stranger.stop()
    }

    /// A store's ring holds its keys' placement: forming a different member set over it is refused.
    @Test func formationRefusesAMemberSetThatDiffersFromTheStoredRing() async throws {
        let store = InMemoryEngine()
        let alone = try await NodeHarness.start(storage: store)
        let cluster = try RingInfo.decode(await alone.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage()).clusterID
        await alone.stop()
        let ports = try await NodeClusterTests.freePorts(2)
        let peers = ports.map { "127.0.0.1:\($0)" }
        func member(_ index: Int, _ storage: any StorageEngine) async throws -> NodeHarness {
            try await NodeHarness.start(waitUntilFormed: false, storage: storage) { configuration in
                configuration.cluster.peerPort = ports[index]
                configuration.cluster.peers = peers
                configuration.cluster.clusterID = cluster  // same cluster: only the member set differs
                configuration.cluster.formationTimeoutSeconds = 10
            }
        }
        let returning = try await member(0, store)
        let newcomer = try await member(1, InMemoryEngine())
        await #expect {
            try await returning.node.formed()
        } throws: { error in
            "\(error)".contains("members differ from this node's stored ring")
        }
        await returning.stop()
        await newcomer.stop()
    }
}

import GyreClient
import GyreCore
import GyreModel
import GyreNode
import Testing

/// The SDK's routing against real in-process nodes: it sends each key to its preference list,
/// follows ring changes, skips a node that is down, and fails clearly when none is up.
@Suite(.serialized) struct RoutingTests {
    /// The client addresses of `key`'s preference list in `ring`, as the nodes compute it.
    static func expected(_ key: [UInt8], ring: Ring, replication: Int, cluster: ClientCluster) -> [String] {
        KeyPlacement(key: Key(key), ring: ring, replication: replication).replicas.map { cluster.address(of: $0) }
    }

    @Test func everyKeyGoesToTheFirstNodeOfItsPreferenceList() async throws {
        let cluster = try await ClientCluster.start(5, replication: 2)
        let client = try await cluster.client()
        let ring = try #require(cluster.nodes[0].currentRing)
        for index in 0..<200 {
            let key = Array("route/\(index)".utf8)
            let expected = Self.expected(key, ring: ring, replication: 2, cluster: cluster)
            #expect(client.preferenceList(for: key) == expected)
            let written = try await client.put(key, value: [1])
            #expect(written.node == expected[0])
            #expect(try await client.get(key).node == expected[0])
        }
        // No node had to forward anything: every request reached a replica of its key.
        #expect(cluster.total("kv.forwarded") == 0)
        #expect(cluster.total("rpc.KV.Put.OK") == 200)
        await client.close()
        await cluster.stop()
    }

    /// A ring with the same members, the next epoch, and every partition moved to another owner.
    static func rotated(_ ring: Ring, by offset: Int) throws -> Ring {
        let count = ring.owners.count
        return try Ring(epoch: ring.epoch + 1, partitionCount: ring.partitionCount,
                        owners: (0..<count).map { ring.owners[($0 + offset) % count] }, members: ring.members)
    }

    @Test func theClientFollowsARingChangeStreamedByWatchRing() async throws {
        let cluster = try await ClientCluster.start(4, replication: 2)
        let client = try await cluster.client()
        let old = try #require(cluster.nodes[0].currentRing)
        #expect(client.ring?.epoch == old.epoch)
        let new = try Self.rotated(old, by: 7)
        for node in cluster.nodes { try node.installRingForTesting(new) }
        // No request is made: the ring arrives on the WatchRing stream.
        #expect(await eventually { client.ring?.epoch == new.epoch })
        var moved = 0
        for index in 0..<100 {
            let key = Array("follow/\(index)".utf8)
            let expected = Self.expected(key, ring: new, replication: 2, cluster: cluster)
            if expected != Self.expected(key, ring: old, replication: 2, cluster: cluster) { moved += 1 }
            #expect(client.preferenceList(for: key) == expected)
            #expect(try await client.put(key, value: [2]).node == expected[0])
        }
        #expect(moved > 0)
        #expect(cluster.total("kv.forwarded") == 0)
        await client.close()
        await cluster.stop()
    }

    @Test func aNewerEpochInAnAnswerMakesTheClientRefreshItsRing() async throws {
        let cluster = try await ClientCluster.start(3, replication: 2)
        let client = try await cluster.client { $0.watchRing = false }
        let old = try #require(cluster.nodes[0].currentRing)
        let new = try Self.rotated(old, by: 5)
        for node in cluster.nodes { try node.installRingForTesting(new) }
        _ = try await client.get("any key")
        #expect(await eventually { client.ring?.epoch == new.epoch })
        let key = Array("refresh".utf8)
        #expect(client.preferenceList(for: key) == Self.expected(key, ring: new, replication: 2, cluster: cluster))
        await client.close()
        await cluster.stop()
    }

    @Test func withTheFirstNodeDownTheNextOneServes() async throws {
        let cluster = try await ClientCluster.start(3)
        let client = try await cluster.client()
        let key = Array("first-down".utf8)
        let preference = client.preferenceList(for: key)
        #expect(try await client.put(key, value: Array("before".utf8)).node == preference[0])
        let first = try #require(cluster.nodes.first { cluster.address(of: $0.id) == preference[0] })
        await first.shutdown()
        let written = try await client.put(key, value: Array("after".utf8))
        #expect(written.node == preference[1])
        let read = try await client.get(key)
        #expect(read.node == preference[1])
        #expect(read.values.contains(Array("after".utf8)))
        await client.close()
        await cluster.stop()
    }

    @Test func withEveryNodeDownACallFailsClearlyWithinItsDeadline() async throws {
        let cluster = try await ClientCluster.start(3)
        let client = try await cluster.client()
        await cluster.stop()
        let started = ContinuousClock.now
        await #expect(throws: GyreClientError.self) { try await client.get("k", options: GyreCallOptions(deadline: .seconds(1))) }
        do {
            _ = try await client.put("k", value: "v", options: GyreCallOptions(deadline: .seconds(1)))
            Issue.record("a put with every node down succeeded")
        } catch {
            // Connections were refused: the write certainly was not applied.
            guard case let .unavailable(message) = error else { Issue.record("expected unavailable, got \(error)"); return }
            #expect(message.contains("cannot connect") || message.contains("connection"))
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        await client.close()
    }

    @Test func aClientOfAOneNodeClusterWorks() async throws {
        let cluster = try await ClientCluster.start(1, replication: 1)
        let client = try await cluster.client()
        #expect(client.ring?.members.count == 1)
        let written = try await client.put("solo", value: "1")
        #expect(written.replicas == 1)
        #expect(try await client.get("solo").values == [Array("1".utf8)])
        let deleted = try await client.delete("solo", context: written.context)
        #expect(deleted.replicas == 1)
        #expect(try await client.get("solo").isMissing)
        await client.close()
        await cluster.stop()
    }
}

import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreWire
import Testing

/// Replica.Gossip faces peers that lie or break the rules: only members may gossip, a message
/// past the limits or malformed is refused whole, and no message brings a member back to an older
/// incarnation. The node's `members()` view shows what the detector holds.
@Suite struct NodeGossipTests {
    static func gossip(_ harness: NodeHarness, from sender: NodeID, _ message: SWIMMessage) async throws -> ClientResponse {
        try await gossip(harness, from: sender, framed: message.encodeFramed())
    }

    static func gossip(_ harness: NodeHarness, from sender: NodeID, framed: [UInt8]) async throws -> ClientResponse {
        let ring = try RingInfo.decode(await harness.call("/gyre.v1.Cluster/Ring", RingRequest()).unaryMessage())
        let parts = harness.node.peerAddress.split(separator: ":")
        return await harness.client.call(host: String(parts[0]), port: Int(parts[1])!, path: "/gyre.v1.Replica/Gossip",
                                         framedRequest: framed,
                                         metadata: ["gyre-cluster-id": ring.clusterID.description,
                                                    "gyre-from": sender.description, "gyre-to": harness.node.id.description,
                                                    "gyre-ring-epoch": String(ring.epoch)])
    }

    static func status(of node: NodeID, at harness: NodeHarness) -> (MemberState, UInt64)? {
        harness.node.members()?.members.first { $0.member.id == node }.map { ($0.state, $0.incarnation) }
    }

    @Test func onlyMembersGossipAndBadMessagesChangeNothing() async throws {
        let nodes = try await NodeClusterTests.startCluster(3)
        let receiver = nodes[0], member = nodes[1].node.id, other = nodes[2].node.id
        var random = SystemRandomNumberGenerator()
        let stranger = NodeID.random(using: &random)

        // A member raises what is known of `other` (a newer incarnation wins).
        let raise = SWIMMessage.sync(states: [.alive(other, 5)])
        #expect(try await Self.gossip(receiver, from: member, raise).status.code == .ok)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))

        // Dead at an older incarnation than known: ignored.
        let stale = SWIMMessage.ping(probe: 1, updates: [.dead(other, 3)])
        #expect(try await Self.gossip(receiver, from: member, stale).status.code == .ok)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))

        // Not a member: refused before anything is read.
        let forged = SWIMMessage.sync(states: [.dead(other, 9)])
        let fromStranger = try await Self.gossip(receiver, from: stranger, forged)
        #expect(fromStranger.status.code == .failedPrecondition)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))

        // Past the limits: refused whole (a ping carries at most 64 updates).
        let flood = SWIMMessage.ping(probe: 2, updates: [.dead(other, 9)] + (0..<70).map { _ in .alive(stranger, 1) })
        let tooMany = try await Self.gossip(receiver, from: member, flood)
        #expect(tooMany.status.code == .invalidArgument)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))
        let high = SWIMMessage.sync(states: [.dead(other, 1 << 62 + 1)])
        #expect(try await Self.gossip(receiver, from: member, high).status.code == .invalidArgument)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))

        // Malformed protobuf, and a well-formed message with a bad state: INVALID_ARGUMENT.
        let garbage: [UInt8] = [0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF]
        #expect(try await Self.gossip(receiver, from: member, framed: garbage).status.code == .invalidArgument)
        #expect(Self.status(of: other, at: receiver)! == (.alive, 5))
        for node in nodes { await node.stop() }
    }

    @Test func membersShowsEveryMemberAliveAtTheStart() async throws {
        let nodes = try await NodeClusterTests.startCluster(3)
        let view = try #require(nodes[0].node.members())
        #expect(view.members.count == 3)
        #expect(view.members.allSatisfy { $0.state == .alive })
        #expect(view.members.filter(\.isSelf).map(\.member.id) == [nodes[0].node.id])
        let wire = try MembersResponse.decode(await nodes[0].call("/gyre.v1.Cluster/Members", MembersRequest()).unaryMessage())
        #expect(wire == view)
        for node in nodes { await node.stop() }
    }
}

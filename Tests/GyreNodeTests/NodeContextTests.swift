import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import Testing

/// Sealed contexts end to end: a context works only for the key and the cluster that issued it,
/// and what a client makes up never enters a key.
@Suite struct NodeContextTests {
    /// A context that is not this cluster's for `key`: INVALID_ARGUMENT with the message.
    static func expectRefused(_ response: ClientResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status.code == .invalidArgument, sourceLocation: sourceLocation)
        #expect(response.status.message.contains("context was not issued for this key by this cluster"),
                "\(response.status.message)", sourceLocation: sourceLocation)
    }

    static func put(_ harness: NodeHarness, _ key: String, _ value: String, context: CausalContext) async -> ClientResponse {
        await harness.call("/gyre.v1.KV/Put", PutRequest(key: Key(key), value: Array(value.utf8), context: context))
    }

    /// The attack that silently dropped B's siblings: a put of B with A's context.
    @Test func aContextOfAnotherKeyIsRefusedAndTheKeyKeepsItsSiblings() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage)
        _ = try await harness.put("b", "one")
        _ = try await harness.put("b", "two")  // no context: a sibling
        _ = try await harness.put("a", "x")
        let contextOfA = try await harness.get("a").context
        #expect(contextOfA.bytes.first == ContextSeal.format)
        let writes = storage.statistics.writes
        Self.expectRefused(await Self.put(harness, "b", "three", context: contextOfA))
        Self.expectRefused(await harness.call("/gyre.v1.KV/Delete", DeleteRequest(key: Key("b"), context: contextOfA)))
        #expect(storage.statistics.writes == writes)
        #expect(Set(try await harness.get("b").values) == [Array("one".utf8), Array("two".utf8)])
        // B's own context still resolves them.
        let read = try await harness.get("b")
        let resolved = try await harness.put("b", "merged", context: read.context)
        #expect(resolved.values == [Array("merged".utf8)])
        #expect(harness.node.stats().counters.first { $0.name == "kv.contexts_refused" }?.value == 2)
        await harness.stop()
    }

    /// Hand-made contexts: 100,000 actors (about 2 MB), as an unsealed vector and dressed up as a
    /// sealed one; a made-up MAC; garbage. None is accepted and nothing is written.
    @Test func aHandMadeHugeContextIsRefusedAndNothingIsWritten() async throws {
        let storage = InMemoryEngine()
        let harness = try await NodeHarness.start(storage: storage)
        let huge = VersionVector((1...100_000).map { (NodeID(high: 1, low: UInt64($0)), UInt64(1)) }).encode()
        #expect(huge.count > 1_700_000)
        let dressed = [ContextSeal.format] + huge.dropFirst() + [UInt8](repeating: 0xA5, count: ContextSeal.macByteCount)
        for bytes in [huge, dressed, [ContextSeal.format, 1, 2, 3], Array("not a context".utf8)] {
            Self.expectRefused(await Self.put(harness, "k", "v", context: CausalContext(bytes)))
        }
        #expect(storage.statistics.writes == 0)
        #expect(storage.count == 0)
        #expect(try await harness.get("k").values.isEmpty)
        await harness.stop()
    }

    /// A counter near 2⁶² in a forged context would have locked the key for good (every later
    /// event would pass the limit); refused, the key goes on taking writes.
    @Test func aForgedCounterIsRefusedAndTheKeyStillAcceptsWrites() async throws {
        let harness = try await NodeHarness.start()
        let put = try await harness.put("k", "v1")
        let actor = harness.node.id
        let forged = VersionVector([(actor, VersionVector.maxCounter)])
        let asSealed = [ContextSeal.format] + forged.encode().dropFirst() + put.context.bytes.suffix(ContextSeal.macByteCount)
        Self.expectRefused(await Self.put(harness, "k", "v2", context: CausalContext(forged.encode())))
        Self.expectRefused(await Self.put(harness, "k", "v2", context: CausalContext(asSealed)))
        var context = try await harness.get("k").context
        for round in 2...5 {
            let written = try await harness.put("k", "v\(round)", context: context)
            #expect(written.values == [Array("v\(round)".utf8)])
            context = written.context
        }
        #expect(try await harness.get("k").values == [Array("v5".utf8)])
        await harness.stop()
    }

    /// The cluster secret is in the store: contexts issued before a restart still work after it.
    @Test func aRestartedNodeAcceptsContextsIssuedBeforeTheRestart() async throws {
        let storage = InMemoryEngine()
        let first = try await NodeHarness.start(storage: storage)
        _ = try await first.put("k", "before")
        _ = try await first.put("k", "sibling")
        let context = try await first.get("k").context
        await first.stop()

        let second = try await NodeHarness.start(storage: storage)
        #expect(try await second.get("k").context == context)
        let written = try await second.put("k", "after", context: context)
        #expect(written.values == [Array("after".utf8)])
        await second.stop()
    }

    /// Two clusters never share a secret (nor an id): one's contexts are refused by the other.
    @Test func aNodeOfAnotherClusterRefusesTheContext() async throws {
        let one = try await NodeHarness.start()
        let other = try await NodeHarness.start()
        _ = try await one.put("k", "v")
        _ = try await other.put("k", "w")
        let context = try await one.get("k").context
        Self.expectRefused(await Self.put(other, "k", "x", context: context))
        #expect(try await other.get("k").values == [Array("w".utf8)])
        await one.stop()
        await other.stop()
    }
}

/// Sealed contexts across the nodes of one cluster: every node opens what any node issued, also
/// when the request is forwarded (Replica.Coordinate carries the context as the client sent it).
@Suite struct NodeClusterContextTests {
    @Test func everyNodeAcceptsTheClustersContextsAndForwardsThemAsTheyAre() async throws {
        // Four nodes, N = 3: some keys' preference lists leave node 0 out, so it forwards them.
        let nodes = try await NodeClusterTests.startCluster(4)
        func forwarded() -> UInt64 { nodes[0].node.stats().counters.first { $0.name == "kv.forwarded" }?.value ?? 0 }
        var key: String?
        for index in 0..<200 where key == nil {
            let before = forwarded()
            _ = try await nodes[0].put("f\(index)", "v")
            if forwarded() > before { key = "f\(index)" }
        }
        let remote = try #require(key, "no key was forwarded")
        _ = try await nodes[1].put(remote, "sibling")  // no context: a second sibling
        _ = try await nodes[0].put("other", "x")
        let otherContext = try await nodes[0].get("other").context
        NodeContextTests.expectRefused(await NodeContextTests.put(nodes[0], remote, "bad", context: otherContext))
        #expect(Set(try await nodes[2].get(remote).values) == [Array("v".utf8), Array("sibling".utf8)])
        // A context read through node 0 (forwarded) resolves the siblings written through node 1
        // (forwarded again), and one issued by node 3 works on node 2.
        let read = try await nodes[0].get(remote)
        #expect(read.values.count == 2)
        let resolved = try await nodes[0].put(remote, "merged", context: read.context)
        #expect(resolved.values == [Array("merged".utf8)])
        let again = try await nodes[3].get(remote)
        #expect(try await nodes[2].put(remote, "final", context: again.context).values == [Array("final".utf8)])
        for node in nodes { await node.stop() }
    }
}

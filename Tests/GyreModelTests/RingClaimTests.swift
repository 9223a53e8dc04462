import GyreModel
import GyreTestKit
import Testing

/// `Ring.claim`: balance, preference lists, layout and determinism over many cluster shapes.
@Suite("Ring claim")
struct RingClaimTests {
    /// One claimed ring checked against everything a claim promises.
    private func checkClaim(count: Int, mixed: Bool, partitionCount q: Int) {
        let seed = UInt64(count) << 8 | (mixed ? 1 : 0) | UInt64(q) << 16
        let members = RingFixture.members(count: count, mixed: mixed, seed: seed)
        let context = "S=\(count) Q=\(q) mixed=\(mixed) seed=\(seed) weights=\(members.map(\.weight))"
        let ring = Ring.claim(members: members, partitionCount: q)
        #expect(ring.epoch == 1)
        #expect(ring.partitionCount == q)
        let inspection = RingFixture.inspect(ring, members: members)
        #expect(inspection.issues == [], "\(context)")

        // Balance: partitions per unit of weight within 1.1× of the mean Q/W both ways.
        if q / count >= 16 && RingFixture.balanceIsGuaranteed(partitionCount: q, members: members) {
            #expect(inspection.worstRatio <= 1.1, "\(context)\n\(ring.balance())")
        }
        // Layout: as few same-owner neighbours as the counts allow (none unless a member owns
        // more than half the ring), the wrap from Q-1 to 0 included.
        #expect(inspection.sameOwnerNeighbours == RingFixture.neighbourBound(ring), "\(context)\n\(ring.balance())")
        // Equal weights and S ≥ 4: every preference list of 3 is three consecutive owners.
        if !mixed && count >= 4 && q / count >= 4 {
            #expect(inspection.listsWithSkips == 0, "\(context)\n\(ring.balance())")
        }

        // Deterministic, whatever the input order.
        var random = SeededRandom(seed: seed ^ 0xC1A1)
        #expect(Ring.claim(members: members.shuffled(using: &random), partitionCount: q) == ring, "\(context)")
    }

    @Test("Q=4096, S=1...64, equal weights", arguments: 1...64)
    func equalWeights(count: Int) { checkClaim(count: count, mixed: false, partitionCount: 4096) }

    @Test("Q=4096, S=1...64, seeded weights 1...4", arguments: 1...64)
    func mixedWeights(count: Int) { checkClaim(count: count, mixed: true, partitionCount: 4096) }

    @Test("Q=64, S=1...16, equal and mixed weights", arguments: 1...16)
    func smallRing(count: Int) {
        checkClaim(count: count, mixed: false, partitionCount: 64)
        checkClaim(count: count, mixed: true, partitionCount: 64)
    }

    @Test("Riak #381's shape (Q=64, S=7, N=3): distinct replicas everywhere, the tail included")
    func riak381() {
        let members = RingFixture.members(count: 7, mixed: false, seed: 381)
        let ring = Ring.claim(members: members, partitionCount: 64)
        for partition in 0..<64 {
            let list = ring.preferenceList(partition: partition, n: 3)
            #expect(Set(list).count == 3, "partition \(partition): \(list)")
            // Stronger than distinctness: the list is the next three owners, no skipping,
            // including the lists that wrap from partition 63 to 0.
            let next3 = (0..<3).map { ring.owners[(partition + $0) % 64] }
            #expect(list == next3, "partition \(partition)")
        }
        for partition in 0..<64 {
            #expect(ring.owners[partition] != ring.owners[(partition + 1) % 64], "partitions \(partition), \(partition + 1)")
        }
        // 64 = 7·9 + 1: one member owns 10, the others 9.
        #expect(ring.partitionCounts.values.sorted() == [9, 9, 9, 9, 9, 9, 10])
    }

    @Test("a node's partitions are followed by many different nodes, so its failure spreads")
    func successorDiversity() {
        for (count, mixed) in [(8, false), (16, false), (16, true), (32, false)] {
            let members = RingFixture.members(count: count, mixed: mixed, seed: UInt64(700 + count))
            let ring = Ring.claim(members: members, partitionCount: 4096)
            for member in ring.members {
                let owned = ring.partitions(ownedBy: member.id)
                let successors = Set(owned.map { ring.owners[($0 + 1) % 4096] })
                // When `member` is down, the first fallback of its partitions takes its replica.
                let stand_ins = Set(owned.map { ring.fallbacks(partition: $0, n: 3).first! })
                #expect(successors.count >= count / 2, "S=\(count) \(member): \(successors.count) successors")
                #expect(stand_ins.count >= count / 2, "S=\(count) \(member): \(stand_ins.count) stand-ins")
            }
        }
    }

    @Test("tiny rings: Q = 1, 2, 4 and 8, claimed and rebalanced")
    func tinyRings() {
        for (q, count) in [(1, 1), (2, 1), (2, 2), (4, 3), (4, 4), (8, 3), (8, 8)] {
            let members = RingFixture.members(count: count, mixed: false, seed: UInt64(q * 10 + count))
            let ring = Ring.claim(members: members, partitionCount: q)
            #expect(RingFixture.inspect(ring, members: members).issues == [], "Q=\(q) S=\(count)")
            #expect(ring.partition(for: Key("anything")) < q)
            if count < q {
                let grown = members + [RingFixture.newMember(weight: 1, seed: UInt64(q))]
                let next = ring.rebalanced(to: grown)
                #expect(RingFixture.inspect(next, members: grown).issues == [], "Q=\(q) S=\(count)+1")
                #expect(RingFixture.moves(from: ring, to: next) == RingFixture.minimumMoves(from: ring, to: next))
            }
        }
    }

    @Test("a member whose ideal share is below one partition still owns one")
    func lightMemberOwnsOne() {
        var random = SeededRandom(seed: 11)
        let members = RingFixture.members(weights: [1000, 1, 1], random: &random)
        let ring = Ring.claim(members: members, partitionCount: 8)
        let counts = ring.partitionCounts
        #expect(counts[members[1].id] == 1 && counts[members[2].id] == 1 && counts[members[0].id] == 6)
        #expect(ring.preferenceList(partition: 0, n: 3).count == 3)
    }

    @Test("largest remainder: leftover partitions go to the largest remainders, ties to the lower id")
    func largestRemainder() {
        // Q=64 over weights 1,1,1: 21.33 each, one leftover partition, a three-way tie.
        let members = RingFixture.members(count: 3, mixed: false, seed: 5)
        let ring = Ring.claim(members: members, partitionCount: 64)
        let lowest = members.map(\.id).min()!
        #expect(ring.partitionCounts[lowest] == 22)
        #expect(ring.partitionCounts.values.sorted() == [21, 21, 22])
        // Weights 3 and 1 over Q=8: exactly 6 and 2.
        var random = SeededRandom(seed: 6)
        let weighted = RingFixture.members(weights: [3, 1], random: &random)
        let counts = Ring.claim(members: weighted, partitionCount: 8).partitionCounts
        #expect(counts[weighted[0].id] == 6 && counts[weighted[1].id] == 2)
    }
}

import GyreModel
import GyreTestKit
import Testing

/// Lookups and preference lists on hand-built rings, where every answer can be written down,
/// and the validation of ring parts.
@Suite("Ring queries")
struct RingQueryTests {
    let a = NodeID(high: 1, low: 0)
    let b = NodeID(high: 2, low: 0)
    let c = NodeID(high: 3, low: 0)
    let d = NodeID(high: 4, low: 0)

    /// Partitions 0...7 owned by A A B C A B D D (deliberately clumped).
    func handBuilt() throws -> Ring {
        try Ring(epoch: 7, partitionCount: 8, owners: [a, a, b, c, a, b, d, d],
                 members: [Member(id: d, weight: 2), Member(id: b), Member(id: a), Member(id: c)])
    }

    @Test("preference lists skip nodes already listed and wrap after the last partition")
    func preferenceLists() throws {
        let ring = try handBuilt()
        #expect(ring.preferenceList(partition: 0, n: 3) == [a, b, c])
        #expect(ring.preferenceList(partition: 1, n: 2) == [a, b])
        #expect(ring.preferenceList(partition: 4, n: 3) == [a, b, d])
        #expect(ring.preferenceList(partition: 6, n: 3) == [d, a, b])   // D D wraps to A A B
        #expect(ring.preferenceList(partition: 7, n: 4) == [d, a, b, c])
        #expect(ring.preferenceList(partition: 7, n: 9) == [d, a, b, c])  // at most S
        #expect(ring.preferenceList(partition: 3, n: 1) == [c])
        #expect(ring.preferenceList(partition: 3, n: 0) == [])
    }

    @Test("fallbacks continue the same walk after the first n")
    func fallbacks() throws {
        let ring = try handBuilt()
        #expect(ring.fallbacks(partition: 6, n: 2) == [b, c])
        #expect(ring.fallbacks(partition: 0, n: 3) == [d])
        #expect(ring.fallbacks(partition: 0, n: 4) == [])
        #expect(ring.fallbacks(partition: 0, n: 0) == [a, b, c, d])
    }

    @Test("keys route by the top bits of their hash")
    func keys() throws {
        let ring = try handBuilt()
        let key = Key("abc") // XXH64 0x44BC2CF5AD770999: top 3 bits 010
        #expect(ring.partition(for: key) == 2)
        #expect(ring.preferenceList(for: key, n: 2) == [b, c])
    }

    @Test("lookups: members sorted by id, counts, partitions owned, member(_:)")
    func lookups() throws {
        let ring = try handBuilt()
        #expect(ring.epoch == 7)
        #expect(ring.members.map(\.id) == [a, b, c, d])
        #expect(ring.partitionCounts == [a: 3, b: 2, c: 1, d: 2])
        #expect(ring.partitions(ownedBy: a) == [0, 1, 4])
        #expect(ring.partitions(ownedBy: d) == [6, 7])
        #expect(ring.partitions(ownedBy: NodeID(high: 9, low: 9)) == [])
        #expect(ring.member(d)?.weight == 2)
        #expect(ring.member(NodeID(high: 9, low: 9)) == nil)
    }

    @Test("a ring rebuilt from its parts equals the original")
    func rebuild() throws {
        let members = RingFixture.members(count: 5, mixed: true, seed: 77)
        let ring = Ring.claim(members: members, partitionCount: 256, epoch: 3)
        let rebuilt = try Ring(epoch: ring.epoch, partitionCount: ring.partitionCount,
                               owners: ring.owners, members: ring.members.reversed())
        #expect(rebuilt == ring)
    }

    @Test("invalid parts are refused with the reason")
    func validation() {
        let one = [Member(id: a)]
        #expect(Ring.validate(members: one, partitionCount: 0) == .invalidPartitionCount(0))
        #expect(Ring.validate(members: one, partitionCount: 12) == .invalidPartitionCount(12))
        #expect(Ring.validate(members: one, partitionCount: 1 << 17) == .invalidPartitionCount(1 << 17))
        #expect(Ring.validate(members: [], partitionCount: 8) == .noMembers)
        #expect(Ring.validate(members: [Member(id: a), Member(id: b), Member(id: a)], partitionCount: 8) == .duplicateMember(a))
        #expect(Ring.validate(members: [Member(id: a), Member(id: b), Member(id: c)], partitionCount: 2)
            == .tooManyMembers(members: 3, partitionCount: 2))
        #expect(Ring.validate(members: one, partitionCount: 65536) == nil)

        #expect(throws: RingError.ownerCountMismatch(owners: 1, partitionCount: 2)) {
            try Ring(epoch: 1, partitionCount: 2, owners: [a], members: one)
        }
        #expect(throws: RingError.unknownOwner(partition: 1, owner: b)) {
            try Ring(epoch: 1, partitionCount: 2, owners: [a, b], members: one)
        }
        #expect(throws: RingError.memberOwnsNothing(b)) {
            try Ring(epoch: 1, partitionCount: 2, owners: [a, a], members: [Member(id: a), Member(id: b)])
        }
        #expect(RingError.duplicateMember(a).description.contains(a.description))
    }

    @Test("the balance table lists every member with its shares")
    func balanceTable() throws {
        let ring = try handBuilt()
        let balance = ring.balance(n: 2)
        #expect(balance.rows.map(\.partitions) == [3, 2, 1, 2])
        // Lists of 2: A in 0,1,4,5,7(D A) … counted directly from the lists.
        let expected = ring.members.map { member in
            (0..<8).filter { ring.preferenceList(partition: $0, n: 2).contains(member.id) }.count
        }
        #expect(balance.rows.map(\.replicas) == expected)
        #expect(balance.sameOwnerNeighbours == 2) // A A at 0-1, D D at 6-7
        // Mean per unit weight: 8 partitions / weight 5 = 1.6; A has 3 → 1.875.
        #expect(abs(balance.rows[0].partitionRatio - 1.875) < 1e-9)
        let table = ring.balanceTable(n: 2)
        #expect(table.contains("Q=8 S=4 N=2"))
        #expect(table.contains(a.description) && table.contains(d.description))
        #expect(table.split(separator: "\n").count == 2 + 4)
        #expect(table.contains(" 1.875"))
    }
}

import GyreModel
import GyreTestKit

/// Helpers shared by the ring tests: seeded members, a reference preference-list walk, the
/// minimum number of moves, and one invariant checker every test runs on every ring it builds.
enum RingFixture {
    /// Members with random ids drawn from `random`, one per weight.
    static func members(weights: [UInt32], random: inout SeededRandom) -> [Member] {
        weights.enumerated().map { index, weight in
            Member(id: NodeID.random(using: &random), weight: weight,
                   clientAddress: "10.0.0.\(index):7000", peerAddress: "10.0.0.\(index):7001")
        }
    }

    /// `count` members, all of weight 1 (`mixed` false) or of seeded weights 1...4.
    static func members(count: Int, mixed: Bool, seed: UInt64) -> [Member] {
        var random = SeededRandom(seed: seed)
        let weights: [UInt32] = (0..<count).map { _ in mixed ? UInt32(1 + random.next() % 4) : 1 }
        return members(weights: weights, random: &random)
    }

    /// One new member of weight `weight`, its id drawn from `seed`.
    static func newMember(weight: UInt32, seed: UInt64) -> Member {
        var random = SeededRandom(seed: seed)
        return Member(id: NodeID.random(using: &random), weight: weight)
    }

    /// The preference list by definition: min(n, S) distinct owners walking clockwise from
    /// `partition`.
    static func referenceList(_ ring: Ring, partition: Int, n: Int) -> [NodeID] {
        let wanted = min(n, ring.members.count)
        var list: [NodeID] = []
        var position = partition
        var steps = 0
        while list.count < wanted && steps < ring.partitionCount {
            if !list.contains(ring.owners[position]) { list.append(ring.owners[position]) }
            position = (position + 1) % ring.partitionCount
            steps += 1
        }
        return list
    }

    /// Σ over old owners of max(0, old count − new count): no rebalance can move fewer.
    static func minimumMoves(from old: Ring, to new: Ring) -> Int {
        let newCounts = new.partitionCounts
        return old.partitionCounts.reduce(0) { $0 + max(0, $1.value - (newCounts[$1.key] ?? 0)) }
    }

    /// How many partitions changed owner.
    static func moves(from old: Ring, to new: Ring) -> Int {
        zip(old.owners, new.owners).reduce(0) { $0 + ($1.0 == $1.1 ? 0 : 1) }
    }

    /// The smallest number of same-owner neighbours any layout of these counts can have.
    static func neighbourBound(_ ring: Ring) -> Int {
        guard ring.members.count >= 2, let largest = ring.partitionCounts.values.max() else { return 0 }
        return max(0, 2 * largest - ring.partitionCount)
    }

    /// What one pass over a ring finds: broken promises, and layout measures.
    struct Inspection {
        /// Every broken property, readable (empty when all hold).
        var issues: [String] = []
        /// Partitions whose clockwise neighbour has the same owner (wrap included).
        var sameOwnerNeighbours = 0
        /// Partitions whose N=3 list is not the next three owners.
        var listsWithSkips = 0
        /// max over members of max(share/ideal, ideal/share), share per unit weight.
        var worstRatio = 1.0
    }

    /// Checks every property a ring must have, in one pass cheap enough to run on every ring
    /// every test builds (the walks run on member indices with one reused buffer).
    /// `lengths` are the N whose preference lists are compared with the reference walk.
    static func inspect(_ ring: Ring, members: [Member], lengths: [Int] = [3, 5]) -> Inspection {
        var result = Inspection()
        let q = ring.partitionCount
        let s = members.count
        if ring.members != members.sorted(by: { $0.id < $1.id }) { result.issues.append("members are not the input sorted by id") }
        if ring.owners.count != q { result.issues.append("\(ring.owners.count) owners for Q=\(q)") }

        // Counts: at least 1 each and, when every ideal Q·w/W is at least 1 (so nobody had to be
        // lifted to 1), the floor or the ceiling of the ideal.
        let counts = ring.partitionCounts
        let totalWeight = members.reduce(0) { $0 + Int($1.weight) }
        let nobodyLifted = members.allSatisfy { q * Int($0.weight) >= totalWeight }
        for member in members {
            let count = counts[member.id] ?? 0
            let scaled = q * Int(member.weight) // ideal · W
            let fair = count * totalWeight > scaled - totalWeight && count * totalWeight < scaled + totalWeight
            if count < 1 || (nobodyLifted && !fair) {
                result.issues.append("\(member) owns \(count), ideal \(Double(scaled) / Double(totalWeight))")
            }
            let ratio = Double(count * totalWeight) / Double(scaled)
            result.worstRatio = max(result.worstRatio, ratio, 1 / ratio)
        }
        if counts.values.reduce(0, +) != q { result.issues.append("counts do not add up to Q") }

        // Preference lists (N = 3 and 5) on every partition: the reference walk's min(N, S)
        // distinct nodes, starting with the owner.
        let slot = Dictionary(uniqueKeysWithValues: ring.members.enumerated().map { ($1.id, $0) })
        let ownerSlots = ring.owners.map { slot[$0] ?? -1 }
        for partition in 0..<q where s > 1 && ownerSlots[partition] == ownerSlots[(partition + 1) % q] {
            result.sameOwnerNeighbours += 1
        }
        // One reference walk of min(5, S) nodes per partition; the N=3 list is its prefix.
        let wanted = min(5, s)
        var reference = [Int](repeating: -1, count: wanted)
        for partition in 0..<q {
            var found = 0, position = partition, steps = 0
            while found < wanted && steps < q {
                let owner = ownerSlots[position]
                var seen = false
                for index in 0..<found where reference[index] == owner { seen = true }
                if !seen {
                    reference[found] = owner
                    found += 1
                    if found == min(3, s) && steps + 1 > found { result.listsWithSkips += 1 }
                }
                position = position + 1 == q ? 0 : position + 1
                steps += 1
            }
            for n in lengths {
                let list = ring.preferenceList(partition: partition, n: n)
                var matches = list.count == min(n, s) && found == wanted
                for index in 0..<min(list.count, found) where list[index] != ring.members[reference[index]].id {
                    matches = false
                }
                if !matches || list[0] != ring.owners[partition] {
                    result.issues.append("N=\(n) partition \(partition): \(list)")
                    return result
                }
            }
        }
        for partition in stride(from: q - 1, through: 0, by: -max(1, q / 16)) {
            let all = ring.preferenceList(partition: partition, n: 3) + ring.fallbacks(partition: partition, n: 3)
            if all.count != s || Set(all) != Set(members.map(\.id))
                || all != referenceList(ring, partition: partition, n: s) {
                result.issues.append("fallbacks of partition \(partition) do not complete the walk")
            }
        }
        return result
    }

    /// True when every member's ideal share Q·w/W is at least 11 partitions: then floor/ceiling
    /// counts are always within 1.1× of the mean per unit of weight (1 + 1/11 and 11/10).
    static func balanceIsGuaranteed(partitionCount: Int, members: [Member]) -> Bool {
        let totalWeight = members.reduce(0) { $0 + Int($1.weight) }
        return members.allSatisfy { partitionCount * Int($0.weight) >= 11 * totalWeight }
    }
}

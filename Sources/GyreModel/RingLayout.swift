/// Internal: the working state of a claim or a rebalance, and the arithmetic both share.
///
/// Owners are indices into the new ring's sorted members. The layout's quality is a cost: every
/// pair of partitions closer than `window` that share an owner costs 5 at distance 1 and 1 at
/// distance 2. A zero-cost layout has distinct owners on every `window` consecutive partitions,
/// so the preference list of every partition (N ≤ window) is just the next N owners.
struct RingLayout {
    /// How far apart a claim tries to keep one node's partitions: the default replica count N.
    static let spacing = 3

    let partitionCount: Int
    let memberCount: Int
    var owners: [Int]
    /// The owner each partition had before a rebalance (a new member index, or -1 for a member
    /// that left); nil for a fresh claim. Used to count moves.
    let previous: [Int]?
    /// Distances 1..<window are checked: min(spacing, owning members); 1 disables the check.
    let window: Int

    init(owners: [Int], memberCount: Int, previous: [Int]? = nil) {
        self.partitionCount = owners.count
        self.memberCount = memberCount
        self.owners = owners
        self.previous = previous
        self.window = RingLayout.window(partitionCount: owners.count, memberCount: memberCount)
    }

    /// The distances checked: 1..<min(spacing, S). Tiny rings (Q < 8) are not checked: there a
    /// pair can sit at distance 1 and Q-1 at once and the local cost would count it twice.
    static func window(partitionCount: Int, memberCount: Int) -> Int {
        partitionCount >= 8 ? min(spacing, memberCount) : 1
    }

    // MARK: Quotas

    /// Each member's share of `partitionCount` by the largest-remainder method: member i gets
    /// floor(Q·wᵢ/W) and the leftover partitions go to the largest remainders (ties: lower index,
    /// that is lower id), so every quota is the floor or the ceiling of its ideal Q·wᵢ/W.
    /// A member whose ideal is below 1 and got 0 then takes one partition from the member most
    /// above its ideal, so that every member owns one (callers ensure S ≤ Q).
    static func quotas(weights: [UInt32], partitionCount: Int) -> [Int] {
        let total = weights.reduce(Int64(0)) { $0 + Int64($1) }
        let q = Int64(partitionCount)
        var quotas = weights.map { Int(q * Int64($0) / total) }
        let remainders = weights.map { q * Int64($0) % total }
        let leftover = partitionCount - quotas.reduce(0, +)
        let order = weights.indices.sorted { remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1 }
        for index in order.prefix(leftover) { quotas[index] += 1 }

        for needy in quotas.indices where quotas[needy] == 0 {
            // Surplus over the ideal, scaled by W: quota·W − Q·w (Int128: quota·W can pass 2^63).
            func surplus(_ index: Int) -> Int128 {
                Int128(quotas[index]) * Int128(total) - Int128(q) * Int128(weights[index])
            }
            var donor = -1
            for index in quotas.indices where quotas[index] >= 2 {
                if donor < 0 || surplus(index) > surplus(donor) { donor = index }
            }
            precondition(donor >= 0, "more members than partitions")
            quotas[donor] -= 1
            quotas[needy] = 1
        }
        return quotas
    }

    // MARK: Interleave

    /// Lays `quotas` out around a ring of `quotas.sum` partitions, each member's partitions
    /// evenly spread: member i, whose partitions are ideally g = Q/quotas[i] apart, gets one
    /// partition near each target (k + ½ + φᵢ + jitter)·g for k = 0..<quotas[i]; all targets are
    /// sorted and the partitions handed out in that order. So member i owns exactly quotas[i]
    /// partitions, each within a few places of its even spot, and the wrap from the last
    /// partition to the first is spread like any other point. The phase φᵢ = (i + ½)/S − ½
    /// staggers members of equal weight (with no jitter they take turns in id order).
    ///
    /// The jitter comes from ``tieBreak(_:_:)`` of k and the member's id (a function of the ids
    /// only, so every node computes the same ring). It reorders each round of the ring
    /// differently, so a node's partitions have many different neighbours: without it, members
    /// of equal weight follow each other in lock-step and a node's replicas, and its load when it
    /// fails, always land on the same few nodes. It is at most ±¼ of the member's spacing and
    /// never so large that two of its partitions could fall closer than `window`, which leaves
    /// none for a member owning a third of the ring or more (S = 2 or 3 alternate strictly).
    static func interleave(quotas: [Int], ids: [NodeID], window: Int) -> [Int] {
        let partitionCount = quotas.reduce(0, +)
        let memberCount = Int64(quotas.count)
        let q = Int64(partitionCount)
        let unit: Int64 = 1 << 20 // fixed point: one spacing; targets stay below 2^17 · 2^20 · 2^16
        let reach = Int64(max(2, window))
        // A member dense enough to need strict turns (a third of the ring or more) would have its
        // turns broken by the others' jitter as well: then nobody jitters.
        let calm = partitionCount < 8 || Int64(quotas.max() ?? 0) * reach >= q
        var targets: [(at: Int64, random: UInt64, member: Int)] = []
        targets.reserveCapacity(partitionCount)
        for (member, quota) in quotas.enumerated() where quota > 0 {
            let memberSeed = seed(ids[member])
            let quota = Int64(quota)
            let twicePhase = (2 * Int64(member) + 1) * unit / memberCount - unit
            // Two partitions k and k+1 stay (1 − 2·amplitude)·g ≥ window apart.
            let amplitude = calm ? 0 : max(0, min(unit / 4, unit * (q - reach * quota) / (2 * q)))
            for k in 0..<quota {
                let random = tieBreak(Int(k), memberSeed)
                let twiceJitter = amplitude > 0 ? 2 * (Int64(random % UInt64(2 * amplitude)) - amplitude) : 0
                let at = ((2 * k + 1) * unit + twicePhase + twiceJitter) * q / (2 * quota)
                targets.append((at, random, member))
            }
        }
        targets.sort { ($0.at, $0.random, $0.member) < ($1.at, $1.random, $1.member) }
        return targets.map(\.member)
    }

    /// A per-member seed for ``tieBreak(_:_:)``, derived from its id only.
    static func seed(_ id: NodeID) -> UInt64 { mix(id.high ^ mix(id.low)) }

    /// A pseudo-random but fixed number for a member (its ``seed(_:)``) at `position` (a
    /// partition, or the k of a target): a function of the two alone, so every node computes
    /// the same ring.
    static func tieBreak(_ position: Int, _ seed: UInt64) -> UInt64 {
        mix(seed ^ (UInt64(truncatingIfNeeded: position) &* 0xD1B5_4A32_D192_ED03))
    }

    /// SplitMix64's finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: Cost

    func position(_ partition: Int, plus offset: Int) -> Int {
        let position = (partition + offset) % partitionCount
        return position < 0 ? position + partitionCount : position
    }

    /// The cost of the same-owner pairs at distances 1..<`reach` that involve `partition`:
    /// 5 for a neighbour, 1 at distance 2. With 5 > 4 no swap that lowers the cost can add a
    /// same-owner neighbour (a swap touches at most four distance-2 pairs).
    func cost(at partition: Int, reach: Int) -> Int {
        let owner = owners[partition]
        var total = 0
        for distance in 1..<max(reach, 1) {
            let penalty = distance == 1 ? 5 : 1
            if owners[position(partition, plus: distance)] == owner { total += penalty }
            if owners[position(partition, plus: -distance)] == owner { total += penalty }
        }
        return total
    }

    private func moved(_ partition: Int) -> Int {
        guard let previous else { return 0 }
        return owners[partition] == previous[partition] ? 0 : 1
    }

    // MARK: Repair

    /// Lowers the cost by swapping the owners of two partitions, which keeps every member's
    /// count, and, in a rebalance, never adds a move (a swap may only exchange two moved
    /// partitions, or hand a partition back to its previous owner while moving another).
    ///
    /// First same-owner neighbours are removed, then same owners at distance 2. A member whose
    /// count makes that impossible everywhere (more than Q/2, or more than Q/window partitions)
    /// is left as the interleave spread it: its conflicts cannot all go, and chasing them would
    /// only spend time. For each costly partition the swap that lowers the cost most is taken,
    /// looking at partners nearest first (so each node's partitions stay where the interleave
    /// spread them) and stopping at the first that clears the partition. The search is bounded
    /// (partners within 16·S+16, 4 rounds, 16·Q candidates per stage), so a claim stays fast
    /// whatever the weights. Deterministic: the same layout gives the same result.
    mutating func repair() {
        guard window >= 2 else { return }
        var counts = [Int](repeating: 0, count: memberCount)
        for owner in owners { counts[owner] += 1 }
        repairPass(reach: 2, dense: counts.map { 2 * $0 > partitionCount })
        if window > 2 {
            repairPass(reach: window, dense: counts.map { $0 * window > partitionCount })
        }
    }

    private mutating func repairPass(reach: Int, dense: [Bool]) {
        let radius = min(partitionCount / 2, 16 * memberCount + 16)
        var budget = 16 * partitionCount
        for _ in 0..<4 {
            var improved = false
            for partition in 0..<partitionCount where budget > 0 && !dense[owners[partition]] {
                let here = cost(at: partition, reach: reach)
                guard here > 0 else { continue }
                if let partner = bestSwap(for: partition, clearing: here, reach: reach, radius: radius, budget: &budget) {
                    owners.swapAt(partition, partner)
                    improved = true
                }
            }
            if !improved || budget <= 0 { break }
        }
    }

    private mutating func bestSwap(
        for partition: Int, clearing here: Int, reach: Int, radius: Int, budget: inout Int
    ) -> Int? {
        let owner = owners[partition]
        var best: (partner: Int, delta: Int)?
        for distance in 1...radius where budget > 0 {
            let sides = 2 * distance == partitionCount ? 1 : 2
            for side in 0..<sides {
                let partner = position(partition, plus: side == 0 ? distance : -distance)
                budget -= 1
                guard owners[partner] != owner else { continue }
                if let previous {
                    // Only swaps that add no move (checked before the cost, which costs more).
                    let after = (owners[partner] == previous[partition] ? 0 : 1) + (owner == previous[partner] ? 0 : 1)
                    if after > moved(partition) + moved(partner) { continue }
                }
                let before = cost(at: partition, reach: reach) + cost(at: partner, reach: reach)
                owners.swapAt(partition, partner)
                let delta = cost(at: partition, reach: reach) + cost(at: partner, reach: reach) - before
                owners.swapAt(partition, partner)
                guard delta < 0 else { continue }
                if let current = best, current.delta <= delta { continue }
                best = (partner, delta)
                if delta <= -here { return partner }
            }
        }
        return best?.partner
    }
}

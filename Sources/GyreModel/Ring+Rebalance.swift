extension Ring {
    // MARK: Rebalance

    /// This ring adjusted to a new member list (members added, removed, or with new weights),
    /// with epoch + 1, moving as few partitions as possible.
    ///
    /// - Every member's count becomes its quota for the new list (as in
    ///   ``claim(members:partitionCount:epoch:)``).
    /// - A partition keeps its owner when the owner stays and is within its new quota, so the
    ///   number of partitions that change owner is exactly the minimum:
    ///   Σ over old owners of max(0, old count − new quota) (a member that left has quota 0).
    /// - An over-quota member gives up first the partitions that sit within 2 after another of
    ///   its own, then partitions spread evenly among its others, away from partitions already
    ///   given up. The freed partitions go, in ring order, to the members below quota by smooth
    ///   weighted round-robin over their deficits, each time preferring a member that owns no
    ///   partition within 2. Swaps that add no move (between moved partitions, or handing one
    ///   back to its previous owner) then remove what same-owner neighbours they can.
    /// - Layout is not guaranteed as in a claim: a minimal rebalance keeps what it does not move,
    ///   and some conflicts can only go by moving more. Measured over the tests' sweeps: with
    ///   equal weights no same-owner neighbours once the new ring has 6 or more members; with
    ///   weights 1...4 fewer than Q/100 once it has 8 or more; small unequal rings keep more.
    /// - Rebalancing to the same members moves nothing. The result depends on this ring and the
    ///   new member set, not on the order of `members`.
    /// - Precondition: ``validate(members:partitionCount:)`` returns nil for `members` and this
    ///   ring's Q.
    public func rebalanced(to members: [Member]) -> Ring {
        if let error = Ring.validate(members: members, partitionCount: partitionCount) {
            preconditionFailure("Ring.rebalanced: \(error)")
        }
        let sorted = members.sorted { $0.id < $1.id }
        let quotas = RingLayout.quotas(weights: sorted.map(\.weight), partitionCount: partitionCount)
        let newIndex = self.members.map { Ring.index(of: $0.id, in: sorted) ?? -1 }
        let previous = slots.map { newIndex[Int($0)] }

        var owners = previous
        var counts = [Int](repeating: 0, count: sorted.count)
        for owner in previous where owner >= 0 { counts[owner] += 1 }
        let window = RingLayout.window(partitionCount: partitionCount, memberCount: sorted.count)

        // Over-quota members give partitions up (-1 marks a free partition).
        var positions = [[Int]](repeating: [], count: sorted.count)
        for (partition, owner) in previous.enumerated() where owner >= 0 { positions[owner].append(partition) }
        let overQuota = sorted.indices.filter { counts[$0] > quotas[$0] }
        for (rank, member) in overQuota.enumerated() {
            release(counts[member] - quotas[member], of: positions[member], from: &owners, window: window,
                    phase: (rank, overQuota.count))
        }

        assignFree(&owners, quotas: quotas, seeds: sorted.map { RingLayout.seed($0.id) }, window: window)
        var layout = RingLayout(owners: owners, memberCount: sorted.count, previous: previous)
        layout.repair()
        return Ring(epoch: epoch + 1, partitionCount: partitionCount, members: sorted,
                    slots: layout.owners.map { Int32($0) })
    }

    /// Frees `excess` of the partitions `mine` (one member's, in ring order) in `owners`, by
    /// setting them to -1. `phase` (rank among the over-quota members, their number) staggers
    /// where each member's evenly spaced picks fall, so members with similar layouts do not free
    /// neighbouring partitions (which would likely go to the same new owner).
    private func release(_ excess: Int, of mine: [Int], from owners: inout [Int], window: Int, phase: (Int, Int)) {
        let count = owners.count
        var remaining = excess
        var kept = [Int]()
        kept.reserveCapacity(mine.count)

        // First the partitions sitting within `window` after another of the member's own.
        for partition in mine {
            var crowded = false
            for distance in 1..<max(window, 1) where owners[(partition - distance + count) % count] == owners[partition] {
                crowded = true
            }
            if crowded && remaining > 0 {
                owners[partition] = -1
                remaining -= 1
            } else {
                kept.append(partition)
            }
        }
        guard remaining > 0 else { return }

        // Then evenly spaced among the rest: the candidate nearest the ideal spot whose
        // neighbourhood holds no free partition, else the nearest one.
        var taken = [Bool](repeating: false, count: kept.count)
        let reach = max(1, window - 1)
        func isIsolated(_ partition: Int) -> Bool {
            for distance in 1...reach {
                if owners[(partition + distance) % count] == -1 || owners[(partition - distance + count) % count] == -1 {
                    return false
                }
            }
            return true
        }
        let (rank, ranks) = phase
        let radius = max(1, kept.count / (2 * remaining))
        for pick in 0..<remaining {
            let ideal = ((pick * ranks + rank) * 2 + 1) * kept.count / (2 * remaining * ranks)
            var chosen: Int?
            var fallback: Int?
            var offset = 0
            search: while offset <= kept.count {
                for candidate in [ideal + offset, ideal - offset] where candidate >= 0 && candidate < kept.count && !taken[candidate] {
                    if fallback == nil { fallback = candidate }
                    if offset <= radius && isIsolated(kept[candidate]) {
                        chosen = candidate
                        break search
                    }
                }
                if offset >= radius && fallback != nil { break }
                offset += 1
            }
            guard let index = chosen ?? fallback else { break }
            taken[index] = true
            owners[kept[index]] = -1
        }
    }

    /// Gives every free partition (-1) in `owners` to a member below its quota, in ring order, by
    /// smooth weighted round-robin over the members' deficits, preferring members that do not
    /// already own a partition within `window` (cost 5 at distance 1, 1 at distance 2).
    private func assignFree(_ owners: inout [Int], quotas: [Int], seeds: [UInt64], window: Int) {
        let count = owners.count
        var held = [Int](repeating: 0, count: quotas.count)
        for owner in owners where owner >= 0 { held[owner] += 1 }
        let deficits = quotas.indices.map { quotas[$0] - held[$0] }
        var remaining = deficits
        let free = owners.indices.filter { owners[$0] < 0 }
        var credit = [Int](repeating: 0, count: quotas.count)
        let needy = quotas.indices.filter { deficits[$0] > 0 }

        for partition in free {
            var best = -1, bestCost = Int.max
            for member in needy {
                credit[member] += deficits[member]
                guard remaining[member] > 0 else { continue }
                var cost = 0
                for distance in 1..<max(window, 1) {
                    let penalty = distance == 1 ? 5 : 1
                    if owners[(partition + distance) % count] == member { cost += penalty }
                    if owners[(partition - distance + count) % count] == member { cost += penalty }
                }
                if best < 0 || cost < bestCost || (cost == bestCost && (credit[member], RingLayout.tieBreak(partition, seeds[member]))
                    > (credit[best], RingLayout.tieBreak(partition, seeds[best]))) {
                    best = member
                    bestCost = cost
                }
            }
            credit[best] -= free.count
            remaining[best] -= 1
            owners[partition] = best
        }
    }
}

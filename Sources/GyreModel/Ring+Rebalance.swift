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
    /// - An over-quota member gives up first the partitions that sit within 2 of another of its
    ///   own, then partitions spread evenly among its others, away from partitions already given
    ///   up. The freed partitions go, in ring order, to the members below quota by smooth weighted
    ///   round-robin, each time preferring a member that is not already within 2 partitions.
    ///   Swaps among moved partitions then remove what same-owner neighbours remain where they can.
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
        let overQuota = sorted.indices.filter { counts[$0] > quotas[$0] }
        for (rank, member) in overQuota.enumerated() {
            release(counts[member] - quotas[member], of: member, from: &owners, window: window,
                    phase: (rank, overQuota.count))
        }

        assignFree(&owners, quotas: quotas, seeds: sorted.map { RingLayout.seed($0.id) }, window: window)
        var layout = RingLayout(owners: owners, memberCount: sorted.count, previous: previous)
        layout.repair()
        return Ring(epoch: epoch + 1, partitionCount: partitionCount, members: sorted,
                    slots: layout.owners.map { Int32($0) })
    }

    /// Frees `excess` of `member`'s partitions in `owners` (sets them to -1).
    /// `phase` (rank among the over-quota members, their number) staggers where each member's
    /// evenly spaced picks fall, so that members with similar layouts do not free neighbours.
    private func release(_ excess: Int, of member: Int, from owners: inout [Int], window: Int, phase: (Int, Int)) {
        let count = owners.count
        var remaining = excess
        func ownerAt(_ partition: Int, _ offset: Int) -> Int { owners[((partition + offset) % count + count) % count] }

        // First the partitions sitting within `window` of another of the member's own.
        if window >= 2 {
            for partition in 0..<count where remaining > 0 && owners[partition] == member {
                if (1..<window).contains(where: { ownerAt(partition, -$0) == member }) {
                    owners[partition] = -1
                    remaining -= 1
                }
            }
        }
        guard remaining > 0 else { return }

        // Then evenly spaced among the rest, nearest to the ideal spot whose neighbourhood holds
        // no free partition (which would likely go to the same new owner).
        let mine = (0..<count).filter { owners[$0] == member }
        var taken = [Bool](repeating: false, count: mine.count)
        let reach = max(1, window - 1)
        func isIsolated(_ partition: Int) -> Bool {
            !(1...reach).contains { ownerAt(partition, $0) == -1 || ownerAt(partition, -$0) == -1 }
        }
        let (rank, ranks) = phase
        for pick in 0..<remaining {
            let ideal = ((pick * ranks + rank) * 2 + 1) * mine.count / (2 * remaining * ranks)
            let radius = max(1, mine.count / (2 * remaining))
            var chosen: Int?
            var fallback: Int?
            for offset in 0...mine.count {
                for candidate in offset == 0 ? [ideal] : [ideal + offset, ideal - offset]
                where candidate >= 0 && candidate < mine.count && !taken[candidate] {
                    if fallback == nil { fallback = candidate }
                    if offset <= radius && isIsolated(mine[candidate]) { chosen = candidate; break }
                }
                if chosen != nil || (offset >= radius && fallback != nil) { break }
            }
            guard let index = chosen ?? fallback else { break }
            taken[index] = true
            owners[mine[index]] = -1
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

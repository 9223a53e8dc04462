extension Ring {
    // MARK: Claim

    /// The ring `members` claim over `partitionCount` partitions: Dynamo's Strategy 3, where
    /// each member claims about Q·w/W of the Q equal partitions (w its weight, W the total).
    ///
    /// Deterministic: only the set of members matters, not their order, and the same members and
    /// Q give the same ring on every node and run (the layout's pseudo-randomness is a hash of
    /// the node ids, never a random source).
    /// - Counts: each member's count is its largest-remainder quota, the floor or ceiling of
    ///   Q·w/W (leftover partitions to the largest remainders, ties to the lower id), except that
    ///   a member whose ideal is below 1 still gets one partition. So partitions per unit of
    ///   weight are within 1 + W/(Q·w) of the mean Q/W: within 1.1× once every Q·w/W ≥ 11.
    /// - Layout: member i's k-th partition goes near (k + ½ + phase + jitter)·Q/countᵢ, so each
    ///   member's partitions are spread evenly around the ring, the wrap included. A small
    ///   per-member jitter (a hash of the id) varies which nodes follow which, so a node's
    ///   replicas and its load when it fails spread over many nodes.
    /// - Then swaps between partitions remove same-owner neighbours, then same owners 2 apart,
    ///   wherever the counts allow: same-owner neighbours remain only when a member owns more
    ///   than half the ring (exactly 2·count − Q of them), and with 4 or more equal members every
    ///   preference list of 3 is three consecutive owners.
    /// - Precondition: ``validate(members:partitionCount:)`` returns nil.
    public static func claim(members: [Member], partitionCount: Int, epoch: UInt64 = 1) -> Ring {
        if let error = validate(members: members, partitionCount: partitionCount) {
            preconditionFailure("Ring.claim: \(error)")
        }
        let sorted = members.sorted { $0.id < $1.id }
        let quotas = RingLayout.quotas(weights: sorted.map(\.weight), partitionCount: partitionCount)
        let window = RingLayout.window(partitionCount: partitionCount, memberCount: sorted.count)
        let owners = RingLayout.interleave(quotas: quotas, ids: sorted.map(\.id), window: window)
        var layout = RingLayout(owners: owners, memberCount: sorted.count)
        layout.repair()
        return Ring(epoch: epoch, partitionCount: partitionCount, members: sorted,
                    slots: layout.owners.map { Int32($0) })
    }
}

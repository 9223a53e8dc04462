extension Ring {
    // MARK: Claim

    /// The ring `members` claim over `partitionCount` partitions: Dynamo's Strategy 3, where
    /// each member claims about Q·w/W of the Q equal partitions (w its weight, W the total).
    ///
    /// Deterministic: only the set of members matters, not their order, and the same members and
    /// Q give the same ring on every node and run.
    /// - Each member's count is its largest-remainder quota: floor or ceiling of Q·w/W (ties by
    ///   id), except that a member whose ideal is below 1 still gets one partition.
    /// - Owners are interleaved by smooth weighted round-robin over the members sorted by id, so
    ///   each member's partitions are spread evenly around the ring, the wrap included; then
    ///   pairs of partitions with one owner at distance 1 or 2 are removed by swaps where the
    ///   counts allow, so that preference lists of up to 3 nodes are consecutive owners.
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

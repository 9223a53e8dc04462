extension Ring {
    // MARK: Preference lists

    /// The nodes that hold partition `partition`: its owner, then the owners of the following
    /// partitions clockwise (wrapping after Q-1), skipping nodes already listed, until min(`n`, S)
    /// distinct nodes. Because every member owns a partition, the list always has exactly
    /// min(`n`, S) distinct nodes.
    /// - Precondition: `0 <= partition < partitionCount` and `n >= 0`.
    public func preferenceList(partition: Int, n: Int) -> [NodeID] {
        precondition(n >= 0, "n must not be negative")
        return walk(from: partition, count: min(n, members.count)).map { members[Int($0)].id }
    }

    /// The preference list of the partition `key` belongs to.
    /// - Precondition: `n >= 0`.
    public func preferenceList(for key: Key, n: Int) -> [NodeID] {
        preferenceList(partition: partition(for: key), n: n)
    }

    /// The members after the first `n` of the same clockwise walk, in the order the walk meets
    /// them: where a sloppy quorum looks when preference-list nodes are down. Together with
    /// ``preferenceList(partition:n:)`` it lists every member exactly once.
    /// - Precondition: `0 <= partition < partitionCount` and `n >= 0`.
    public func fallbacks(partition: Int, n: Int) -> [NodeID] {
        precondition(n >= 0, "n must not be negative")
        return walk(from: partition, count: members.count).dropFirst(n).map { members[Int($0)].id }
    }

    /// The first `count` distinct owner slots met walking clockwise from `partition`.
    func walk(from partition: Int, count: Int) -> [Int32] {
        precondition(partition >= 0 && partition < partitionCount, "partition \(partition) is outside 0..<\(partitionCount)")
        var found = [Int32]()
        guard count > 0 else { return found }
        found.reserveCapacity(count)
        if count <= 8 {
            // Small lists (the usual N): a linear scan of what was found beats a bitmap.
            var position = partition
            while found.count < count {
                let slot = slots[position]
                var seen = false
                for index in found.indices where found[index] == slot { seen = true }
                if !seen { found.append(slot) }
                position = position + 1 == partitionCount ? 0 : position + 1
            }
        } else {
            var seen = [Bool](repeating: false, count: members.count)
            var position = partition
            while found.count < count {
                let slot = slots[position]
                if !seen[Int(slot)] {
                    seen[Int(slot)] = true
                    found.append(slot)
                }
                position = position + 1 == partitionCount ? 0 : position + 1
            }
        }
        return found
    }
}

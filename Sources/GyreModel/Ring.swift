/// An immutable snapshot of the partition ring (Dynamo's Strategy 3): Q equal partitions of the
/// 64-bit hash space, each owned by one member, and an epoch that orders snapshots.
///
/// Contract:
/// - `partitionCount` (Q) is a power of two in 1...65536; partition `p` holds the keys whose
///   ``KeyHash`` has `p` as its top log2(Q) bits, and partitions follow each other clockwise
///   (`Q-1` is followed by `0`).
/// - `owners[p]` is the owner of partition `p`; `members` is sorted by id with unique ids, every
///   owner is a member and every member owns at least one partition (so S ≤ Q).
/// - The preference list of a partition is its owner, then the owners of the following partitions
///   clockwise (wrapping), skipping nodes already listed, until min(n, S) distinct nodes; the
///   fallbacks are the remaining members in the order the same walk meets them.
/// - A ring is a value: it is built by ``claim(members:partitionCount:epoch:)``, changed only by
///   ``rebalanced(to:)`` (which returns a new ring with epoch + 1) and can be rebuilt from its
///   parts with the validating ``init(epoch:partitionCount:owners:members:)``. The same members
///   (in any order) and the same Q always claim the same ring.
/// - Invalid arguments to `claim`, `rebalanced(to:)` and the partition-taking queries are
///   programmer errors checked with `precondition`; callers holding untrusted input check it
///   first with ``validate(members:partitionCount:)``.
public struct Ring: Hashable, Sendable {
    /// Orders snapshots: a ring with a larger epoch replaces one with a smaller epoch.
    public let epoch: UInt64
    /// Q, the number of partitions.
    public let partitionCount: Int
    /// The owner of each partition, indexed by partition.
    public let owners: [NodeID]
    /// The members, sorted by id.
    public let members: [Member]
    /// For each partition, the index in `members` of its owner.
    let slots: [Int32]

    /// Builds a ring from already-validated parts (`slots` index into `members`).
    init(epoch: UInt64, partitionCount: Int, members: [Member], slots: [Int32]) {
        self.epoch = epoch
        self.partitionCount = partitionCount
        self.members = members
        self.slots = slots
        self.owners = slots.map { members[Int($0)].id }
    }

    /// Rebuilds a ring from its parts (for example after decoding one sent by another node).
    /// `members` may come in any order; they are stored sorted by id.
    /// - Throws: ``RingError`` when Q is not a valid partition count, there are no members or
    ///   duplicate ids, `owners` does not have Q entries, an owner is not a member, or a member
    ///   owns no partition.
    public init(epoch: UInt64, partitionCount: Int, owners: [NodeID], members: [Member]) throws(RingError) {
        if let error = Ring.validate(members: members, partitionCount: partitionCount) { throw error }
        guard owners.count == partitionCount else {
            throw .ownerCountMismatch(owners: owners.count, partitionCount: partitionCount)
        }
        let sorted = members.sorted { $0.id < $1.id }
        var slots = [Int32]()
        slots.reserveCapacity(partitionCount)
        var owned = [Bool](repeating: false, count: sorted.count)
        for (partition, owner) in owners.enumerated() {
            guard let index = Ring.index(of: owner, in: sorted) else {
                throw .unknownOwner(partition: partition, owner: owner)
            }
            owned[index] = true
            slots.append(Int32(index))
        }
        if let idle = owned.firstIndex(of: false) { throw .memberOwnsNothing(sorted[idle].id) }
        self.init(epoch: epoch, partitionCount: partitionCount, members: sorted, slots: slots)
    }

    /// Why `members` and `partitionCount` cannot form a ring, or nil when they can: Q must be a
    /// power of two in 1...65536, and the members non-empty, with unique ids, and no more than Q.
    public static func validate(members: [Member], partitionCount: Int) -> RingError? {
        guard KeyHash.isValidPartitionCount(partitionCount) else { return .invalidPartitionCount(partitionCount) }
        guard !members.isEmpty else { return .noMembers }
        guard members.count <= partitionCount else {
            return .tooManyMembers(members: members.count, partitionCount: partitionCount)
        }
        let sorted = members.map(\.id).sorted()
        for index in sorted.indices.dropFirst() where sorted[index] == sorted[index - 1] {
            return .duplicateMember(sorted[index])
        }
        return nil
    }

    // MARK: Lookups

    /// The member with id `id`, or nil when it is not part of this ring.
    public func member(_ id: NodeID) -> Member? {
        Ring.index(of: id, in: members).map { members[$0] }
    }

    /// The partition `key` belongs to (``KeyHash``'s rule: the top log2(Q) bits of its hash).
    public func partition(for key: Key) -> Int {
        KeyHash.partition(for: key, partitionCount: partitionCount)
    }

    /// The partitions `id` owns, in increasing order; empty when it is not a member.
    public func partitions(ownedBy id: NodeID) -> [Int] {
        guard let index = Ring.index(of: id, in: members) else { return [] }
        let slot = Int32(index)
        return slots.indices.filter { slots[$0] == slot }
    }

    /// How many partitions each member owns (every member appears, with a count ≥ 1).
    public var partitionCounts: [NodeID: Int] {
        var counts = [Int](repeating: 0, count: members.count)
        for slot in slots { counts[Int(slot)] += 1 }
        var result = [NodeID: Int](minimumCapacity: members.count)
        for (index, member) in members.enumerated() { result[member.id] = counts[index] }
        return result
    }

    /// Binary search for `id` in members sorted by id.
    static func index(of id: NodeID, in sorted: [Member]) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low].id == id ? low : nil
    }
}

/// Why a set of members, a partition count or a ring's parts cannot form a ``Ring``.
///
/// Contract: each case names the offending value; `description` is a sentence fit for an
/// operator's error message.
public enum RingError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidPartitionCount(Int)
    case noMembers
    case tooManyMembers(members: Int, partitionCount: Int)
    case duplicateMember(NodeID)
    case ownerCountMismatch(owners: Int, partitionCount: Int)
    case unknownOwner(partition: Int, owner: NodeID)
    case memberOwnsNothing(NodeID)

    public var description: String {
        switch self {
        case let .invalidPartitionCount(count):
            return "partition count \(count) is not a power of two in 1...65536"
        case .noMembers:
            return "a ring needs at least one member"
        case let .tooManyMembers(members, partitionCount):
            return "\(members) members cannot each own one of \(partitionCount) partitions"
        case let .duplicateMember(id):
            return "member \(id) is listed more than once"
        case let .ownerCountMismatch(owners, partitionCount):
            return "\(owners) owners given for \(partitionCount) partitions"
        case let .unknownOwner(partition, owner):
            return "partition \(partition) is owned by \(owner), which is not a member"
        case let .memberOwnsNothing(id):
            return "member \(id) owns no partition"
        }
    }
}

import GyreModel

/// The members whose status is news, and how often each was piggybacked (SWIM §4.1: infection
/// style dissemination; memberlist's transmit-limited queue).
///
/// Contract: one entry per member; enqueueing a member again (its status changed) restarts its
/// count. ``take(_:skipping:limit:)`` returns the entries sent least often first, the most
/// recently enqueued first among equals, counts them as sent once more, and drops an entry once
/// it was sent `limit` times. The queue holds ids only: the status sent is the one current at
/// send time.
struct GossipQueue: Sendable {
    private struct Entry: Sendable {
        let member: NodeID
        var transmits: Int
        let order: UInt64
    }

    private var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    var members: [NodeID] { entries.map(\.member) }

    mutating func enqueue(_ member: NodeID) {
        entries.removeAll { $0.member == member }
        entries.append(Entry(member: member, transmits: 0, order: nextOrder))
        nextOrder += 1
    }

    mutating func remove(_ member: NodeID) {
        entries.removeAll { $0.member == member }
    }

    mutating func take(_ count: Int, skipping skipped: NodeID?, limit: Int) -> [NodeID] {
        guard count > 0 else { return [] }
        let chosen = entries.indices
            .filter { entries[$0].member != skipped }
            .sorted { (entries[$0].transmits, entries[$1].order) < (entries[$1].transmits, entries[$0].order) }
            .prefix(count)
        var members: [NodeID] = []
        for index in chosen {
            entries[index].transmits += 1
            members.append(entries[index].member)
        }
        entries.removeAll { $0.transmits >= limit }
        return members
    }

    /// SWIM's λ·log(n): how many times an update is piggybacked in a group of `members`.
    static func transmitLimit(multiplier: Int, members: Int) -> Int {
        let bits = Int.bitWidth - max(0, members).leadingZeroBitCount  // ⌈log₂(members + 1)⌉
        return multiplier * max(1, bits)
    }
}

import GyreModel

/// Which member to probe next: round-robin over a shuffled list, reshuffled after every full
/// round, a new member inserted at a random place (SWIM §4.3).
///
/// Contract: within one round every member in the list is returned once; so every member is
/// probed within two rounds' worth of periods whatever the draws. Removing a member never skips
/// or repeats another in the current round.
struct ProbeOrder: Sendable {
    private(set) var order: [NodeID] = []
    /// The position of the next member to probe; `order.count` when the round is over.
    private(set) var position = 0

    mutating func reset<Generator: RandomNumberGenerator>(_ members: [NodeID], using random: inout Generator) {
        order = members
        RandomDraw.shuffle(&order, using: &random)
        position = 0
    }

    mutating func next<Generator: RandomNumberGenerator>(using random: inout Generator) -> NodeID? {
        guard !order.isEmpty else { return nil }
        if position >= order.count {
            RandomDraw.shuffle(&order, using: &random)
            position = 0
        }
        defer { position += 1 }
        return order[position]
    }

    mutating func insert<Generator: RandomNumberGenerator>(_ member: NodeID, using random: inout Generator) {
        guard !order.contains(member) else { return }
        let place = RandomDraw.below(order.count + 1, using: &random)
        order.insert(member, at: place)
        if place < position { position += 1 }
    }

    mutating func remove(_ member: NodeID) {
        guard let place = order.firstIndex(of: member) else { return }
        order.remove(at: place)
        if place < position { position -= 1 }
    }
}

public import GyreModel

/// The ring's membership changed: the detector follows it (it never changes it).
extension SWIMInstance {
    /// The members are now `members` (this node may be among them). A new member starts alive at
    /// incarnation 0 and is inserted at a random place of the probe order; a removed one is
    /// forgotten with its probe, relayed pings and gossip. This node's own status is gossiped
    /// again, so new members learn its incarnation.
    public mutating func onMembersChanged<Generator: RandomNumberGenerator>(
        _ members: [NodeID], now: UInt64, random: inout Generator
    ) -> [Directive] {
        let wanted = Set(members).subtracting([me])
        let removed = others.filter { !wanted.contains($0) }
        let added = wanted.subtracting(others).sorted()
        guard !removed.isEmpty || !added.isEmpty else { return [] }
        for node in removed {
            records[node] = nil
            probeOrder.remove(node)
            gossip.remove(node)
            if probe?.target == node { probe = nil }
            relays = relays.filter { $0.value.target != node && $0.value.origin != node }
        }
        others = wanted.sorted()
        for node in added {
            records[node] = Record(status: .alive(0))
            if isStarted { probeOrder.insert(node, using: &random) }
        }
        if isStarted && !added.isEmpty { gossip.enqueue(me) }
        return []
    }
}

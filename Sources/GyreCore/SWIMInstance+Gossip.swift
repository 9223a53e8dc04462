import GyreModel

/// Merging what others say, refuting suspicions of this node, suspicion timeouts, and what goes
/// out on each message (SWIM §4.1–4.2; Lifeguard §IV-B and the buddy system).
extension SWIMInstance {
    // MARK: merging

    mutating func apply(_ updates: [MemberUpdate], now: UInt64) -> [Directive] {
        updates.flatMap { apply($0, now: now) }
    }

    /// One update: about this node, a refutation when needed; about a member, taken when it
    /// overrides the known status, or merged as confirmations of the same suspicion; about any
    /// other node id, ignored.
    mutating func apply(_ update: MemberUpdate, now: UInt64) -> [Directive] {
        if update.node == me { return refuteIfNeeded(update.status) }
        guard var record = records[update.node] else { return [] }
        let incoming = update.status
        if incoming.overrides(record.status) {
            let previous = record.status.state
            record.status = incoming
            record.accusers = []
            if incoming.state == .suspect {
                record.suspectedAt = now
                record.accusers = mergedAccusers([], update.accusers, suspect: update.node)
            }
            records[update.node] = record
            gossip.enqueue(update.node)
            var directives: [Directive] = []
            if previous != incoming.state {
                directives.append(.stateChanged(update.node, from: previous, to: incoming.state, incarnation: incoming.incarnation))
            }
            if incoming.state == .suspect {
                directives.append(.scheduleTimer(.suspicion(update.node), at: suspicionDeadline(record)))
            }
            return directives
        }
        if incoming == record.status, incoming.state == .suspect {
            let merged = mergedAccusers(record.accusers, update.accusers, suspect: update.node)
            guard merged != record.accusers else { return [] }
            record.accusers = merged
            records[update.node] = record
            gossip.enqueue(update.node)
            return [.scheduleTimer(.suspicion(update.node), at: max(now, suspicionDeadline(record)))]
        }
        return []
    }

    /// Someone holds this node suspect or dead at its incarnation or above: take the next
    /// incarnation above theirs, record it, gossip it (Lifeguard: a refutation also raises the
    /// local health). Anything older, or "alive", needs nothing. At the highest incarnation a
    /// peer accepts there is nothing above to take (only a lying member gets a node there).
    mutating func refuteIfNeeded(_ status: MemberStatus) -> [Directive] {
        guard status.state != .alive, status.incarnation >= incarnation, status.incarnation < SWIMLimits.maxIncarnation else {
            return []
        }
        incarnation = status.incarnation + 1
        health.raise()
        gossip.enqueue(me)
        return [.recordIncarnation(incarnation)]
    }

    /// Known accusers first, then new ones in id order, members only (not the suspect), up to
    /// one first accuser plus the confirmations that bring the timeout to its minimum.
    func mergedAccusers(_ known: [NodeID], _ incoming: [NodeID], suspect: NodeID) -> [NodeID] {
        var merged = known
        let cap = settings.independentSuspicions + 1
        for accuser in incoming.sorted() where merged.count < cap {
            guard accuser != suspect, accuser == me || records[accuser] != nil, !merged.contains(accuser) else { continue }
            merged.append(accuser)
        }
        return merged.sorted()
    }

    // MARK: suspicion

    func suspicionDeadline(_ record: Record) -> UInt64 {
        let expected = SuspicionTimeout.expectedConfirmations(settings.independentSuspicions, members: others.count + 1)
        let timeout = SuspicionTimeout.timeout(min: settings.suspicionTimeoutMin, max: settings.suspicionTimeoutMax,
                                               confirmations: max(0, record.accusers.count - 1), expected: expected)
        return record.suspectedAt + timeout
    }

    /// A suspect whose time to refute is over is dead, at the incarnation it was suspected at.
    mutating func onSuspicionTimeout(_ node: NodeID, now: UInt64) -> [Directive] {
        guard let record = records[node], record.status.state == .suspect, now >= suspicionDeadline(record) else { return [] }
        return apply(.dead(node, record.status.incarnation), now: now)
    }

    // MARK: what goes out

    /// The status this node holds of `node`, as an update.
    func update(about node: NodeID) -> MemberUpdate {
        guard node != me, let record = records[node] else { return .alive(me, incarnation) }
        return MemberUpdate(node: node, status: record.status, accusers: record.accusers)
    }

    /// The updates for one probe message to `destination`: its own status first when this node
    /// holds it suspect or dead (the buddy system: it learns at once and can refute), then the
    /// least-sent news.
    mutating func piggyback(for destination: NodeID) -> [MemberUpdate] {
        var updates: [MemberUpdate] = []
        if let record = records[destination], record.status.state != .alive { updates.append(update(about: destination)) }
        let limit = GossipQueue.transmitLimit(multiplier: settings.retransmitMultiplier, members: others.count + 1)
        let news = gossip.take(settings.maxPiggybackedUpdates - updates.count,
                               skipping: updates.isEmpty ? nil : destination, limit: limit)
        return updates + news.map { update(about: $0) }
    }

    /// Every member's status, this node's included, in id order (for push-pull sync).
    func fullStates() -> [MemberUpdate] {
        members.map { update(about: $0) }
    }
}

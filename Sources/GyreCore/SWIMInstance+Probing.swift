import GyreModel

/// Probing: one member per protocol period, ping requests when its ack is late, suspicion when
/// no ack came at all (SWIM §3.1, §4.3; Lifeguard §IV-A for the local health).
extension SWIMInstance {
    // MARK: protocol period

    /// Concludes the last period's probe, probes the next member, schedules the next period
    /// (stretched by the local health as it now stands).
    mutating func runProtocolPeriod<Generator: RandomNumberGenerator>(now: UInt64, random: inout Generator) -> [Directive] {
        var directives = concludeProbe(now: now)
        if let target = probeOrder.next(using: &random), let record = records[target] {
            let id = newProbeID()
            let livenessOnly = record.status.state == .dead
            probe = Probe(id: id, target: target, livenessOnly: livenessOnly)
            directives.append(.send(.ping(probe: id, updates: piggyback(for: target)), to: target))
            if !livenessOnly {
                directives.append(.scheduleTimer(.probeTimeout(probe: id), at: now + health.scaled(settings.pingTimeout)))
            }
        }
        nextPeriodAt = now + health.scaled(settings.probeInterval)
        directives.append(.scheduleTimer(.protocolPeriod, at: nextPeriodAt))
        return directives
    }

    /// A probe that got no ack, direct or forwarded, by the end of its period makes its target
    /// suspect (this node joins the accusers of a suspicion already held). Lifeguard: the local
    /// health rises by one when no relay could be asked, else by the relays that did not even
    /// answer nack (a probe that every relay nacked says the target, not this node, is down).
    mutating func concludeProbe(now: UInt64) -> [Directive] {
        guard let finished = probe else { return [] }
        probe = nil
        guard !finished.acked, !finished.livenessOnly, let record = records[finished.target] else { return [] }
        health.raise(by: finished.relays.isEmpty ? 1 : finished.relays.count - finished.nacks.count)
        guard record.status.state != .dead else { return [] }
        let suspicion = MemberUpdate(node: finished.target, status: .suspect(record.status.incarnation), accusers: [me])
        return apply(suspicion, now: now)
    }

    // MARK: indirect probes

    /// The direct ack is late: ask `indirectProbes` random members that are not dead (and not the
    /// target) to ping the target for this node.
    mutating func onProbeTimeout<Generator: RandomNumberGenerator>(_ id: UInt64, random: inout Generator) -> [Directive] {
        guard var current = probe, current.id == id, !current.acked, !current.livenessOnly, current.relays.isEmpty else {
            return []
        }
        let candidates = others.filter { $0 != current.target && records[$0]?.status.state != .dead }
        current.relays = RandomDraw.choose(settings.indirectProbes, from: candidates, using: &random)
        probe = current
        return current.relays.map { relay in
            .send(.pingRequest(probe: id, target: current.target, updates: piggyback(for: relay)), to: relay)
        }
    }

    // MARK: answers

    /// An ack: either for a ping this node sent on another's behalf (forward it) or for this
    /// period's probe, from its target directly or forwarded by one of the relays asked.
    mutating func onAck(_ id: UInt64, target: NodeID, incarnation: UInt64, from sender: NodeID, now: UInt64) -> [Directive] {
        if let relayed = relays[id], relayed.target == target, sender == target {
            relays[id] = nil
            var directives = apply(.alive(target, incarnation), now: now)
            let forwarded = SWIMMessage.ack(probe: relayed.originProbe, target: target, incarnation: incarnation,
                                            updates: piggyback(for: relayed.origin))
            directives.append(.send(forwarded, to: relayed.origin))
            return directives
        }
        guard var current = probe, current.id == id, current.target == target, !current.acked,
              sender == target || current.relays.contains(sender)
        else { return [] }
        current.acked = true
        probe = current
        health.lower()
        return apply(.alive(target, incarnation), now: now)
    }

    /// A relay could not reach the target: counted, so a probe that fails with every relay's
    /// nack does not count against this node's health.
    mutating func onNack(_ id: UInt64, target: NodeID, from sender: NodeID) {
        guard var current = probe, current.id == id, current.target == target, current.relays.contains(sender) else { return }
        current.nacks.insert(sender)
        probe = current
    }
}

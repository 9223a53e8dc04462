import GyreModel

/// Serving ping requests: ping the target on another member's behalf and forward its ack, or
/// answer nack when it does not answer in time (SWIM §3.1; Lifeguard's nack).
extension SWIMInstance {
    /// `origin` asks this node to ping `target` (already checked: a member, and room for one
    /// more relay). A request to ping this node itself is answered with this node's own ack.
    mutating func relay(_ originProbe: UInt64, to target: NodeID, for origin: NodeID, now: UInt64) -> [Directive] {
        if target == me {
            let ack = SWIMMessage.ack(probe: originProbe, target: me, incarnation: incarnation, updates: piggyback(for: origin))
            return [.send(ack, to: origin)]
        }
        let id = newProbeID()
        relays[id] = Relay(origin: origin, originProbe: originProbe, target: target)
        return [
            .send(.ping(probe: id, updates: piggyback(for: target)), to: target),
            .scheduleTimer(.relayTimeout(probe: id), at: now + settings.relayTimeout),
        ]
    }

    /// The target did not answer the relayed ping in time: tell the origin (a later ack is
    /// dropped).
    mutating func onRelayTimeout(_ id: UInt64) -> [Directive] {
        guard let relayed = relays.removeValue(forKey: id) else { return [] }
        let nack = SWIMMessage.nack(probe: relayed.originProbe, target: relayed.target, updates: piggyback(for: relayed.origin))
        return [.send(nack, to: relayed.origin)]
    }
}

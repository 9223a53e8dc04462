import GyreModel

/// Push-pull: now and then the whole view goes to one random member, which merges it and answers
/// with its own (memberlist's push-pull), so a node that missed gossip catches up.
extension SWIMInstance {
    /// Sends ``SWIMMessage/sync(states:)`` to one random member that is not dead (any member when
    /// all are), and schedules the next sync.
    mutating func runSync<Generator: RandomNumberGenerator>(now: UInt64, random: inout Generator) -> [Directive] {
        var directives: [Directive] = []
        let living = others.filter { records[$0]?.status.state != .dead }
        let candidates = living.isEmpty ? others : living
        if !candidates.isEmpty {
            let peer = candidates[RandomDraw.below(candidates.count, using: &random)]
            directives.append(.send(.sync(states: fullStates()), to: peer))
        }
        nextSyncAt = now + settings.syncInterval
        directives.append(.scheduleTimer(.sync, at: nextSyncAt))
        return directives
    }
}

public import GyreModel

/// The versioning steps of the request pipeline, as pure functions over a key's stored
/// ``VersionSet``: what a coordinator stores for a client write, what a replica stores when
/// versions arrive, what a client sees. The node and the simulation both call these.
///
/// Contract: `coordinateWrite` makes exactly one new event with the coordinator's actor id and
/// discards exactly what the client's context covers; `absorb` is `sync` (never refused, never
/// loses a concurrent value); `clientView` hides tombstones but returns a context covering them.
public enum ReplicaLogic {
    /// Why a client write is refused before anything is stored.
    public enum WriteRefusal: Error, Equatable, Sendable {
        /// The key would exceed its sibling or byte cap; the message tells the client what to do.
        case capExceeded(String)
    }

    /// The set a coordinator stores for a client write of `value` (a tombstone for a delete)
    /// with `context` (nil = no context). A delete without context supersedes everything the
    /// coordinator holds; a put without context adds a sibling.
    public static func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue,
                                       actor: NodeID, limits: VersionSetLimits) -> Result<VersionSet, WriteRefusal> {
        let existing = current ?? VersionSet()
        let effective: VersionVector
        switch (context, value) {
        case let (context?, _): effective = context
        case (nil, .tombstone): effective = existing.context
        case (nil, .value): effective = VersionVector()
        }
        let updated = existing.updated(context: effective, value: value, actor: actor)
        if let violation = limits.violation(after: updated) { return .failure(.capExceeded(violation)) }
        return .success(updated)
    }

    /// What a replica stores when `incoming` versions arrive (a coordinator's write, a repair).
    public static func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet {
        guard let current else { return incoming }
        return current.synced(with: incoming)
    }

    /// What a client reads: the live values (tombstones hidden) and a context covering everything.
    public static func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        guard let versions else { return ([], VersionVector()) }
        return (versions.liveValues, versions.context)
    }
}

public import GyreCore
public import GyreModel

/// How the pipeline versions one key: what a coordinator stores for a client write, what a
/// replica stores when versions arrive, what a client sees, and the stored bytes. The request
/// pipeline is generic over it, so tests can run the same pipeline with a deliberately wrong
/// versioning and prove the simulation's checker notices.
///
/// Contract: ``CausalVersioning`` is what nodes run (``ReplicaLogic`` over ``VersionSet``, stored
/// as `VersionSet.encode()`). ``history(of:)`` is the causal history the version covers: a
/// write's event (its dot) is part of it from the moment the write is stored, and absorbing
/// never removes events from it. ``decode(_:)`` inverts ``encode(_:)`` and throws for anything
/// else, with an error that says why.
public protocol ReplicaVersioning: Sendable {
    /// One key's versions, as the coordinator instances merge them.
    associatedtype Version: Mergeable

    /// A short name for reports.
    var name: String { get }

    /// What the coordinator `actor` stores for a client write at time `now`.
    func coordinateWrite(current: Version?, context: VersionVector?, value: StoredValue,
                         actor: NodeID, now: UInt64) -> Result<Version, ReplicaLogic.WriteRefusal>

    /// What a replica stores when `incoming` arrives (a coordinator's write, a repair).
    func absorb(current: Version?, incoming: Version) -> Version

    /// The live values a read returns and the context it hands the client.
    func clientView(of versions: Version?) -> (values: [[UInt8]], context: VersionVector)

    /// Every event the version's history covers.
    func history(of versions: Version) -> VersionVector

    /// The stored and transmitted bytes.
    func encode(_ versions: Version) -> [UInt8]

    func decode(_ bytes: [UInt8]) throws -> Version
}

/// The real versioning: dotted version vector sets through ``ReplicaLogic``, with the node's caps
/// on client writes.
public struct CausalVersioning: ReplicaVersioning {
    public typealias Version = VersionSet

    /// The sibling and byte caps on client writes (`--max-siblings`, `--max-key-bytes`).
    public let limits: VersionSetLimits

    public init(limits: VersionSetLimits = VersionSetLimits()) { self.limits = limits }

    public var name: String { "dvvset" }

    public func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue,
                                actor: NodeID, now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        ReplicaLogic.coordinateWrite(current: current, context: context, value: value, actor: actor, limits: limits)
    }

    public func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet {
        ReplicaLogic.absorb(current: current, incoming: incoming)
    }

    public func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        ReplicaLogic.clientView(of: versions)
    }

    public func history(of versions: VersionSet) -> VersionVector { versions.context }

    public func encode(_ versions: VersionSet) -> [UInt8] { versions.encode() }

    public func decode(_ bytes: [UInt8]) throws -> VersionSet { try VersionSet(decoding: bytes) }
}

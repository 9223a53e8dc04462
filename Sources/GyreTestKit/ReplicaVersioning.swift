public import GyreCore
public import GyreModel

/// How a simulated node versions one key: what its coordinator stores for a client write, what a
/// replica stores when versions arrive, what a client sees, and the stored bytes.
///
/// Contract: ``CausalVersioning`` is exactly the node's pipeline (``ReplicaLogic`` over
/// ``VersionSet``, stored as `VersionSet.encode()`); other conformers exist to prove the
/// simulation's checker catches what a wrong merge does (``LastWriteWinsVersioning``).
/// ``history(of:)`` is the causal history the version covers: a write's event (its dot) is part
/// of it from the moment the write is stored, and absorbing never removes events from it.
public protocol ReplicaVersioning {
    /// One key's versions, as the coordinator instances merge them.
    associatedtype Version: Mergeable

    /// A short name for reports.
    static var name: String { get }

    /// What the coordinator `actor` stores for a client write at virtual time `now`.
    static func coordinateWrite(current: Version?, context: VersionVector?, value: StoredValue,
                                actor: NodeID, now: UInt64) -> Result<Version, ReplicaLogic.WriteRefusal>

    /// What a replica stores when `incoming` arrives (a coordinator's write, a repair).
    static func absorb(current: Version?, incoming: Version) -> Version

    /// The live values a read returns and the context it hands the client.
    static func clientView(of versions: Version?) -> (values: [[UInt8]], context: VersionVector)

    /// Every event the version's history covers.
    static func history(of versions: Version) -> VersionVector

    /// The stored and transmitted bytes.
    static func encode(_ versions: Version) -> [UInt8]

    /// ``encode(_:)``'s inverse; nil for anything else.
    static func decode(_ bytes: [UInt8]) -> Version?
}

/// The real versioning: dotted version vector sets through ``ReplicaLogic``, as `GyreNode`'s
/// `RequestRouter` (coordinator write) and `CoordinationContext` (absorb, local read) run it.
public enum CausalVersioning: ReplicaVersioning {
    public typealias Version = VersionSet

    /// The caps a node enforces by default.
    public static let limits = VersionSetLimits()

    public static var name: String { "dvvset" }

    public static func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue,
                                       actor: NodeID, now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        ReplicaLogic.coordinateWrite(current: current, context: context, value: value, actor: actor, limits: limits)
    }

    public static func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet {
        ReplicaLogic.absorb(current: current, incoming: incoming)
    }

    public static func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        ReplicaLogic.clientView(of: versions)
    }

    public static func history(of versions: VersionSet) -> VersionVector { versions.context }

    public static func encode(_ versions: VersionSet) -> [UInt8] { versions.encode() }

    public static func decode(_ bytes: [UInt8]) -> VersionSet? { try? VersionSet(decoding: bytes) }
}

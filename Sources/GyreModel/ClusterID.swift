/// A cluster's identity: a random 128-bit UUID made by the node that creates the cluster. Every
/// node-to-node call carries it; a node refuses calls from another cluster.
///
/// Contract: same text and byte forms as ``NodeID``.
public struct ClusterID: Hashable, Sendable, CustomStringConvertible {
    public let uuid: NodeID

    public init(uuid: NodeID) { self.uuid = uuid }

    public init?(_ text: String) {
        guard let uuid = NodeID(text) else { return nil }
        self.uuid = uuid
    }

    public init?(bytes: [UInt8]) {
        guard let uuid = NodeID(bytes: bytes) else { return nil }
        self.uuid = uuid
    }

    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> ClusterID {
        ClusterID(uuid: .random(using: &generator))
    }

    public var bytes: [UInt8] { uuid.bytes }
    public var description: String { uuid.description }
}

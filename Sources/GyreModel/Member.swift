/// One node of a cluster as the ring sees it: its id, its weight and its addresses.
///
/// Contract: `weight` ≥ 1 (a node with weight 2 claims about twice the partitions of a node with
/// weight 1); members are ordered and deduplicated by `id`.
public struct Member: Hashable, Sendable, CustomStringConvertible {
    public var id: NodeID
    public var weight: UInt32
    /// Where clients reach it (`--listen`), `host:port`.
    public var clientAddress: String
    /// Where other nodes reach it (`--peer-listen`), `host:port`.
    public var peerAddress: String
    /// Its node name (`--node-name`), which its TLS certificate carries as a DNS name: a peer's
    /// call is trusted as this member only when its certificate names it. Empty when unnamed.
    public var name: String

    public init(id: NodeID, weight: UInt32 = 1, clientAddress: String = "", peerAddress: String = "", name: String = "") {
        self.id = id
        self.weight = max(1, weight)
        self.clientAddress = clientAddress
        self.peerAddress = peerAddress
        self.name = name
    }

    public var description: String { "\(id)(w\(weight))" }
}

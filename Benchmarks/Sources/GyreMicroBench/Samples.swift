import GyreModel

/// The data every group measures with: a 17-byte key, a 100-byte value, and the history of a key
/// written by three nodes (the shape a key has in a 3-node cluster after a few writes).
enum Samples {
    static let nodeA = NodeID(high: 0x0A, low: 1)
    static let nodeB = NodeID(high: 0x0B, low: 2)
    static let nodeC = NodeID(high: 0x0C, low: 3)

    static let key = Key("user:000000000042")
    static let value = [UInt8](repeating: 0x61, count: 100)
    static let otherValue = [UInt8](repeating: 0x62, count: 100)

    /// Stored at a replica: A wrote last (event 5, one value); B and C wrote before.
    static let stored = VersionSet(entries: [
        .init(actor: nodeA, counter: 5, values: [.value(value)]),
        .init(actor: nodeB, counter: 3, values: []),
        .init(actor: nodeC, counter: 2, values: []),
    ])!

    /// A's next write with the context of `stored`: it supersedes the stored value.
    static let newer = stored.updated(context: stored.context, value: .value(otherValue), actor: nodeA)

    /// B's write with a context that missed A's last event: it becomes a sibling.
    static let concurrent = VersionSet().updated(context: [nodeA: 4, nodeB: 3, nodeC: 2], value: .value(otherValue),
                                                 actor: nodeB)

    /// Seals contexts as a cluster does (HMAC-SHA256 under the cluster's secret).
    static let clusterID = ClusterID(uuid: NodeID(high: 0xC1, low: 0x05))
    static let secret = ClusterSecret(bytes: [UInt8](repeating: 7, count: ClusterSecret.byteCount))!
    static let seal = ContextSeal(clusterID: clusterID, secret: secret)

    /// The context a client holds after reading `stored` (three actors: 1 + 1 + 3 × 26 + 16 bytes).
    static let context = seal.seal(stored.context, for: key)
}

/// The opaque causal context of a key: what a get or put returns and the next put or delete of
/// the same key hands back, so the store knows which versions the write replaces.
///
/// Contract: never build or edit one; store and return its bytes as they are (``bytes`` is for
/// carrying it across processes, as the `gyre` CLI does). ``none`` is "no context": a put
/// without one adds a sibling to what the key holds.
public struct GyreContext: Sendable, Hashable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public static let none = GyreContext(bytes: [])
    public var isEmpty: Bool { bytes.isEmpty }
}

/// What a get read: every concurrent value (siblings) and the context covering them.
///
/// Contract: `values` is empty when the key is missing or deleted (its context may still be
/// non-empty: write with it to replace the tombstone); more than one value means writes that
/// did not see each other: merge them and write back with `context`.
public struct GyreReadResult: Sendable, Equatable {
    public var values: [[UInt8]]
    public var context: GyreContext
    /// Replicas that answered, of which `hinted` were stand-ins answering from hints.
    public var replicas: Int
    public var hinted: Int
    /// The node that coordinated the read (`HOST:PORT`).
    public var node: String

    public var isMissing: Bool { values.isEmpty }
}

/// What a put wrote: the key's siblings after the write on the coordinator, and their context.
///
/// Contract: `values` holds this write's value; more than one value means another client wrote
/// concurrently: merge and write back with `context`, or that write is replaced unseen.
public struct GyreWriteResult: Sendable, Equatable {
    public var values: [[UInt8]]
    public var context: GyreContext
    /// Replicas that acknowledged, of which `hinted` were stand-ins holding a hint.
    public var replicas: Int
    public var hinted: Int
    public var node: String
}

/// What a delete wrote.
public struct GyreDeleteResult: Sendable, Equatable {
    public var replicas: Int
    public var hinted: Int
    public var node: String
}

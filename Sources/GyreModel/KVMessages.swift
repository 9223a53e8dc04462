/// The client API's messages (`proto/gyre/v1/kv.proto`) as Swift values.
///
/// Contract: each type mirrors its protobuf message field for field; `0` quorum fields mean
/// "the cluster default". GyreWire converts them to and from protobuf bytes.

/// `gyre.v1.GetRequest`: read a key with an optional read quorum.
public struct GetRequest: Sendable, Equatable {
    public var key: Key
    /// Read quorum R; 0 = cluster default.
    public var r: UInt32

    public init(key: Key, r: UInt32 = 0) {
        self.key = key
        self.r = r
    }
}

/// `gyre.v1.GetResponse`: every sibling value, one context, how many replicas answered, and the
/// epoch of the ring the coordinator routed by.
public struct GetResponse: Sendable, Equatable {
    public var values: [[UInt8]]
    public var context: CausalContext
    public var replicas: UInt32
    public var ringEpoch: UInt64
    /// How many of `replicas` were fallbacks answering from their hints (a sloppy read).
    public var hinted: UInt32

    public init(values: [[UInt8]], context: CausalContext, replicas: UInt32, ringEpoch: UInt64 = 0, hinted: UInt32 = 0) {
        self.values = values
        self.context = context
        self.replicas = replicas
        self.ringEpoch = ringEpoch
        self.hinted = hinted
    }
}

/// `gyre.v1.PutRequest`: write a value, superseding what `context` saw.
public struct PutRequest: Sendable, Equatable {
    public var key: Key
    public var value: [UInt8]
    public var context: CausalContext
    /// Write quorum W; 0 = cluster default.
    public var w: UInt32
    /// Only the key's own replicas count toward W, and no fallback is written.
    public var strictQuorum: Bool

    public init(key: Key, value: [UInt8], context: CausalContext = .none, w: UInt32 = 0, strictQuorum: Bool = false) {
        self.key = key
        self.value = value
        self.context = context
        self.w = w
        self.strictQuorum = strictQuorum
    }
}

/// `gyre.v1.PutResponse`: the siblings the key holds after the write (on the coordinator), the
/// context covering them, the replicas that acknowledged, and the coordinator's ring epoch.
public struct PutResponse: Sendable, Equatable {
    public var context: CausalContext
    public var replicas: UInt32
    public var values: [[UInt8]]
    public var ringEpoch: UInt64
    /// How many of `replicas` were hinted acknowledgements (fallbacks outside the preference list).
    public var hinted: UInt32

    public init(context: CausalContext, replicas: UInt32, values: [[UInt8]] = [], ringEpoch: UInt64 = 0, hinted: UInt32 = 0) {
        self.context = context
        self.replicas = replicas
        self.values = values
        self.ringEpoch = ringEpoch
        self.hinted = hinted
    }
}

/// `gyre.v1.DeleteRequest`: write a tombstone superseding what `context` saw.
public struct DeleteRequest: Sendable, Equatable {
    public var key: Key
    public var context: CausalContext
    /// Write quorum W; 0 = cluster default.
    public var w: UInt32
    /// Only the key's own replicas count toward W, and no fallback is written.
    public var strictQuorum: Bool

    public init(key: Key, context: CausalContext = .none, w: UInt32 = 0, strictQuorum: Bool = false) {
        self.key = key
        self.context = context
        self.w = w
        self.strictQuorum = strictQuorum
    }
}

/// `gyre.v1.DeleteResponse`: how many replicas acknowledged the tombstone, and the coordinator's
/// ring epoch.
public struct DeleteResponse: Sendable, Equatable {
    public var replicas: UInt32
    public var ringEpoch: UInt64
    /// How many of `replicas` were hinted acknowledgements (fallbacks outside the preference list).
    public var hinted: UInt32

    public init(replicas: UInt32, ringEpoch: UInt64 = 0, hinted: UInt32 = 0) {
        self.replicas = replicas
        self.ringEpoch = ringEpoch
        self.hinted = hinted
    }
}

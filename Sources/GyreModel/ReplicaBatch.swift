/// `gyre.v1.ReplicaBatchRequest`: several replica reads and writes for one node, sent as one call.
///
/// Contract: items are independent; each means what the single `Replica.Get` / `Replica.Put`
/// means. The answer carries one ``ReplicaItemResult`` per item, in the same order. A batch holds
/// at most ``maxItems`` items: senders never exceed it and a node refuses a larger batch whole.
public struct ReplicaBatchRequest: Sendable, Equatable {
    /// Most items (gets and puts together) in one batch, for the sender and the receiver alike.
    public static let maxItems = 64

    public var gets: [ReplicaGetRequest]
    public var puts: [ReplicaPutRequest]

    public init(gets: [ReplicaGetRequest] = [], puts: [ReplicaPutRequest] = []) {
        self.gets = gets
        self.puts = puts
    }

    public var isEmpty: Bool { gets.isEmpty && puts.isEmpty }

    /// Gets and puts together.
    public var count: Int { gets.count + puts.count }
}

/// `gyre.v1.ReplicaBatchResponse`: one result per request item, gets and puts in request order.
public struct ReplicaBatchResponse: Sendable, Equatable {
    public var gets: [ReplicaItemResult]
    public var puts: [ReplicaItemResult]

    public init(gets: [ReplicaItemResult] = [], puts: [ReplicaItemResult] = []) {
        self.gets = gets
        self.puts = puts
    }
}

/// `gyre.v1.ReplicaItemResult`: one batched item's outcome. `code` is a gRPC status code (0 = OK)
/// with its message; for a get, `versionSet` is nil when the replica holds nothing for the key.
public struct ReplicaItemResult: Sendable, Equatable {
    public var code: UInt32
    public var message: String
    public var versionSet: [UInt8]?

    public init(code: UInt32 = 0, message: String = "", versionSet: [UInt8]? = nil) {
        self.code = code
        self.message = message
        self.versionSet = versionSet
    }

    public var isOK: Bool { code == 0 }
}

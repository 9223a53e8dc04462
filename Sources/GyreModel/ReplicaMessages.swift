/// The node-to-node messages (`proto/gyre/v1/replica.proto`) as Swift values.
///
/// Contract: field for field as in the proto; `versionSet` bytes are a `VersionSet` in Gyre's
/// binary encoding, opaque at this level.

/// `gyre.v1.ReplicaGetRequest`.
public struct ReplicaGetRequest: Sendable, Equatable {
    public var key: Key
    public var partition: UInt32
    /// Read the hints the node holds for the key, not its own copy (a fallback's read).
    public var fromHints: Bool

    public init(key: Key, partition: UInt32, fromHints: Bool = false) {
        self.key = key
        self.partition = partition
        self.fromHints = fromHints
    }
}

/// `gyre.v1.ReplicaGetResponse`: nil `versionSet` = the replica holds nothing for the key.
public struct ReplicaGetResponse: Sendable, Equatable {
    public var versionSet: [UInt8]?

    public init(versionSet: [UInt8]?) { self.versionSet = versionSet }
}

/// `gyre.v1.ReplicaPutRequest`.
public struct ReplicaPutRequest: Sendable, Equatable {
    public var key: Key
    public var partition: UInt32
    public var versionSet: [UInt8]
    /// A read repair rather than a coordinator's write.
    public var repair: Bool

    public init(key: Key, partition: UInt32, versionSet: [UInt8], repair: Bool = false) {
        self.key = key
        self.partition = partition
        self.versionSet = versionSet
        self.repair = repair
    }
}

/// `gyre.v1.ReplicaPutResponse`: no fields.
public struct ReplicaPutResponse: Sendable, Equatable {
    public init() {}
}

/// `gyre.v1.HintPutRequest`: versions kept for `owner`, a replica the sender could not reach.
public struct HintPutRequest: Sendable, Equatable {
    public var key: Key
    public var partition: UInt32
    public var versionSet: [UInt8]
    public var owner: NodeID

    public init(key: Key, partition: UInt32, versionSet: [UInt8], owner: NodeID) {
        self.key = key
        self.partition = partition
        self.versionSet = versionSet
        self.owner = owner
    }
}

/// `gyre.v1.HintPutResponse`: no fields.
public struct HintPutResponse: Sendable, Equatable {
    public init() {}
}

/// `gyre.v1.CoordinateRequest`: a client request forwarded to a node of the key's preference list.
public struct CoordinateRequest: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case get(GetRequest)
        case put(PutRequest)
        case delete(DeleteRequest)
    }

    public var operation: Operation
    public var hops: UInt32

    public init(operation: Operation, hops: UInt32 = 0) {
        self.operation = operation
        self.hops = hops
    }
}

/// `gyre.v1.CoordinateResponse`: the coordinator's answer.
public struct CoordinateResponse: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case get(GetResponse)
        case put(PutResponse)
        case delete(DeleteResponse)
    }

    public var result: Result

    public init(result: Result) { self.result = result }
}

/// `gyre.v1.IdentifyRequest`: no fields.
public struct IdentifyRequest: Sendable, Equatable {
    public init() {}
}

/// `gyre.v1.IdentifyResponse`: who a node is, and its cluster's id and secret (or, before its
/// cluster formed, its proposals for them), and the epoch of the ring it serves by (0 before).
public struct IdentifyResponse: Sendable, Equatable {
    public var member: Member
    public var clusterID: ClusterID
    public var partitionCount: UInt32
    public var clusterSecret: ClusterSecret
    public var ringEpoch: UInt64
    /// Whether the caller is a member of the ring at `ringEpoch`.
    public var callerIsMember: Bool

    public init(member: Member, clusterID: ClusterID, partitionCount: UInt32, clusterSecret: ClusterSecret,
                ringEpoch: UInt64 = 0, callerIsMember: Bool = false) {
        self.callerIsMember = callerIsMember
        self.member = member
        self.clusterID = clusterID
        self.partitionCount = partitionCount
        self.clusterSecret = clusterSecret
        self.ringEpoch = ringEpoch
    }
}

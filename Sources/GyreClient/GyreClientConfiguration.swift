/// How a ``GyreClient`` reaches its cluster.
///
/// Contract: `seeds` lists at least one node's client address (`HOST:PORT`); the client learns
/// every other member from the ring a seed serves. Defaults suit a cluster on one network:
/// 5-second deadlines, reads moving to the next replica after 1 second without an answer, and a
/// node whose connection failed skipped for 50 ms, doubling on each further failure up to 5 s.
public struct GyreClientConfiguration: Sendable {
    /// Client addresses (`HOST:PORT`) to learn the ring from, tried in order.
    public var seeds: [String]
    /// TLS towards the nodes' client listeners; nil for cleartext.
    public var tls: GyreTLS?
    /// The deadline of a call whose options name none (it covers every attempt of the call).
    public var defaultDeadline: Duration = .seconds(5)
    /// How long a read waits on one node before it also may try the next (not for the last
    /// candidate, and never for writes: a write that timed out may have been applied).
    public var readAttemptTimeout: Duration = .seconds(1)
    /// Backoff of a node whose connection failed: skipped (tried only after every other node)
    /// for `initialBackoff`, doubled per further failure up to `maxBackoff`; reset by an answer.
    public var initialBackoff: Duration = .milliseconds(50)
    public var maxBackoff: Duration = .seconds(5)
    /// How long to wait for a TCP (and TLS) connection to a node.
    public var connectTimeout: Duration = .seconds(2)
    /// Keeps a `WatchRing` stream open to learn ring changes as they happen (the client also
    /// refreshes the ring whenever an answer carries a newer epoch).
    public var watchRing = true
    /// Where requests go: the key's preference list (the default), or any member at random (what
    /// a load balancer in front of the cluster would do; for comparisons only).
    public var routing: GyreRouting = .preferenceList
    /// Event-loop threads of the client's connections.
    public var eventLoopThreads = 1
    /// The largest response message accepted.
    public var maxMessageBytes = 64 << 20

    public init(seeds: [String], tls: GyreTLS? = nil) {
        self.seeds = seeds
        self.tls = tls
    }
}

/// Where a ``GyreClient`` sends each request.
public enum GyreRouting: String, Sendable, CaseIterable {
    /// To a live node of the key's preference list (Dynamo's partition-aware client): the node
    /// coordinates at once, with no forwarding hop.
    case preferenceList = "preference-list"
    /// To a member chosen at random per request, which forwards when it holds no replica.
    case anyNode = "any-node"
}

/// TLS files of a client: the CA the nodes' certificates chain to, and optionally a client
/// certificate and its key (for nodes started with `--client-auth required`).
public struct GyreTLS: Sendable, Equatable {
    public var caFile: String
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// Per-call options.
///
/// Contract: 0 (or nil) means the cluster's (or client's) default; R and W above the cluster's
/// replication factor are refused by the node (``GyreClientError/invalidArgument(_:)``).
public struct GyreCallOptions: Sendable, Equatable {
    /// Read quorum for gets (and the read of a read-modify-write).
    public var r: UInt32
    /// Write quorum for puts and deletes.
    public var w: UInt32
    /// Only the key's own replicas count toward W (no hinted writes on other nodes).
    public var strictQuorum: Bool
    /// The call's deadline, over every attempt; nil for the client's default.
    public var deadline: Duration?

    public init(r: UInt32 = 0, w: UInt32 = 0, strictQuorum: Bool = false, deadline: Duration? = nil) {
        self.r = r
        self.w = w
        self.strictQuorum = strictQuorum
        self.deadline = deadline
    }
}

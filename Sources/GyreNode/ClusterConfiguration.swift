public import GyreModel
public import GyrePipeline
public import GyreCore

/// How a node joins its cluster and replicates: its peer address, the static member list,
/// N, R, W and Q, with the documented defaults.
///
/// Contract: ``validate()`` accepts Q a power of two in 1...65536, N ≥ 1, 1 ≤ R, W ≤ N, and a
/// positive replica timeout. R and W are the cluster defaults; a request may ask for its own
/// (0 = default). When the cluster has fewer than N nodes, N is S and the defaults are capped at
/// S; a request that explicitly asks for more than S answers UNAVAILABLE, more than N
/// INVALID_ARGUMENT.
public struct ClusterConfiguration: Sendable {
    /// Node-to-node address to listen on (`--peer-listen`).
    public var peerHost: String
    public var peerPort: Int
    /// Peer addresses (`host:port`) of the other members (`--peers`); this node's own may be
    /// listed too and is skipped.
    public var peers: [String]
    /// This node's weight: it claims partitions in proportion (`--weight`).
    public var weight: UInt32
    /// Q, fixed when the cluster is created (`--partitions`).
    public var partitionCount: Int
    /// N (`--replicas`), R (`--read-quorum`), W (`--write-quorum`).
    public var replication: Int
    public var readQuorum: Int
    public var writeQuorum: Int
    /// How long a coordinator waits for replicas when the client's deadline is later or absent
    /// (`--replica-timeout-ms`), nanoseconds.
    public var replicaTimeoutNanoseconds: UInt64
    /// How long one replica call may take before a fallback is tried (`--attempt-timeout-ms`),
    /// nanoseconds.
    public var attemptTimeoutNanoseconds: UInt64
    /// How many hints this node keeps per owner (`--hint-max-bytes-per-owner`,
    /// `--hint-window-seconds`), and how fast it hands them over (`--handoff-rate`).
    public var hintLimits: HintLimits
    public var handoff: HandoffSettings
    /// The SWIM failure detector's timings (`--probe-interval-ms`, `--suspicion-timeout-ms`).
    public var failureDetection: SWIMSettings
    /// The cluster's id (`--cluster-id`); without one, the cluster takes the id derived from its
    /// lowest node id (see ``ClusterIdentity``).
    public var clusterID: ClusterID?
    /// How long a starting node waits for every peer to answer before giving up.
    public var formationTimeoutSeconds: Double
    /// The peer address recorded in the ring and matched in `peers` (`--peer-advertise`); nil:
    /// the peer listen address. Needed when the peer listener is on a wildcard.
    public var advertisedPeerAddress: String?
    /// Benchmarks only (`--bench-peer-delay-ms`): every call to another node waits this long
    /// before it is sent and its answer this long before it is used, as a network hop with that
    /// one-way latency would (this kernel has no netem). 0, the default, adds nothing.
    public var peerHopDelayNanoseconds: UInt64 = 0
    /// This node's name (`--node-name`), recorded in the ring beside its id; with mutual TLS its
    /// certificate must name it.
    public var nodeName: String

    public init(peerHost: String = "127.0.0.1", peerPort: Int = 0, peers: [String] = [], weight: UInt32 = 1,
                partitionCount: Int = 4096, replication: Int = 3, readQuorum: Int = 2, writeQuorum: Int = 2,
                replicaTimeoutNanoseconds: UInt64 = 1_000_000_000, attemptTimeoutNanoseconds: UInt64 = 300_000_000,
                hintLimits: HintLimits = HintLimits(), handoff: HandoffSettings = HandoffSettings(),
                failureDetection: SWIMSettings = SWIMSettings(),
                clusterID: ClusterID? = nil,
                formationTimeoutSeconds: Double = 60, nodeName: String = "") {
        self.nodeName = nodeName
        self.peerHost = peerHost
        self.peerPort = peerPort
        self.peers = peers
        self.weight = max(1, weight)
        self.partitionCount = partitionCount
        self.replication = replication
        self.readQuorum = readQuorum
        self.writeQuorum = writeQuorum
        self.replicaTimeoutNanoseconds = replicaTimeoutNanoseconds
        self.attemptTimeoutNanoseconds = attemptTimeoutNanoseconds
        self.hintLimits = hintLimits
        self.handoff = handoff
        self.failureDetection = failureDetection
        self.clusterID = clusterID
        self.formationTimeoutSeconds = formationTimeoutSeconds
    }

    /// Why this configuration cannot run, or nil.
    public func validate() -> String? {
        let q = partitionCount
        if q < 1 || q > 65536 || q & (q - 1) != 0 { return "--partitions must be a power of two from 1 to 65536, got \(q)" }
        if replication < 1 { return "--replicas must be at least 1" }
        if readQuorum < 1 || readQuorum > replication { return "--read-quorum must be in 1...\(replication) (--replicas)" }
        if writeQuorum < 1 || writeQuorum > replication { return "--write-quorum must be in 1...\(replication) (--replicas)" }
        if replicaTimeoutNanoseconds == 0 { return "--replica-timeout-ms must be positive" }
        if attemptTimeoutNanoseconds == 0 { return "--attempt-timeout-ms must be positive" }
        if let problem = failureDetection.validated() { return "failure detector options: \(problem)" }
        if !(0...65535).contains(peerPort) { return "peer port \(peerPort) is out of range" }
        return nil
    }
}

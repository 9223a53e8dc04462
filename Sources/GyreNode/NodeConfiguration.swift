public import GyreModel

/// Everything a node needs to start, with production defaults.
///
/// Contract: the defaults are the documented ones (README, `gyre-node --help`); limits are
/// validated by ``validate()`` before a node starts.
public struct NodeConfiguration: Sendable {
    /// Client address to listen on (`--listen`).
    public var listenHost: String
    public var listenPort: Int
    /// Key and value size limits.
    public var limits: KVLimits
    /// Largest gRPC message accepted (`--max-message-bytes`); at least big enough for a
    /// maximal value plus its key.
    public var maxMessageBytes: Int
    /// SETTINGS_MAX_CONCURRENT_STREAMS per connection.
    public var maxConcurrentStreams: UInt32
    /// Requests processed at once by the node, over all connections; beyond: RESOURCE_EXHAUSTED.
    public var maxInFlight: Int
    /// Event-loop threads (0 = one per core).
    public var eventLoopThreads: Int
    /// Honour test-only request metadata (`gyre-test-hold`, `gyre-test-release`; see
    /// ``TestHooks``). Never in production.
    public var enableTestHooks: Bool
    /// The client address recorded in the ring, where clients and SDKs dial this node
    /// (`--advertise`); nil: the listen address. Needed when the node listens on a wildcard.
    public var advertisedClientAddress: String?
    /// The admin listener (`--admin-listen`: `/metrics`, the admin page, backups); nil: none.
    public var adminHost: String?
    public var adminPort: Int = 0
    /// Seconds a graceful shutdown waits for calls in flight.
    public var shutdownGraceSeconds: Double
    /// Peer address, members, N/R/W, Q.
    public var cluster: ClusterConfiguration
    /// Sibling and byte caps on one key, enforced on client writes.
    public var versionLimits: VersionSetLimits
    /// What each connection may take, on both listeners.
    public var listenerLimits: ListenerLimits
    /// TLS on the listeners and peer authentication.
    public var security: NodeSecurity

    public init(listenHost: String = "127.0.0.1", listenPort: Int = 7100, limits: KVLimits = KVLimits(),
                maxMessageBytes: Int? = nil, maxConcurrentStreams: UInt32 = 100, maxInFlight: Int = 1024,
                eventLoopThreads: Int = 0, enableTestHooks: Bool = false, shutdownGraceSeconds: Double = 10,
                cluster: ClusterConfiguration = ClusterConfiguration(), versionLimits: VersionSetLimits = VersionSetLimits(),
                listenerLimits: ListenerLimits = ListenerLimits(), security: NodeSecurity = NodeSecurity()) {
        self.cluster = cluster
        self.security = security
        self.listenerLimits = listenerLimits
        self.versionLimits = versionLimits
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.limits = limits
        self.maxMessageBytes = maxMessageBytes ?? Self.defaultMaxMessageBytes(for: limits)
        self.maxConcurrentStreams = maxConcurrentStreams
        self.maxInFlight = maxInFlight
        self.eventLoopThreads = eventLoopThreads
        self.enableTestHooks = enableTestHooks
        self.shutdownGraceSeconds = shutdownGraceSeconds
    }

    /// 4 MiB, or more when the value limit needs it (value + key + 64 KiB of framing and context).
    public static func defaultMaxMessageBytes(for limits: KVLimits) -> Int {
        max(4 << 20, limits.maxValueBytes + limits.maxKeyBytes + (64 << 10))
    }

    /// Why this configuration cannot run, or nil.
    public func validate() -> String? {
        if limits.maxKeyBytes < 1 { return "--max-key-bytes must be at least 1" }
        if limits.maxValueBytes < 0 { return "--max-value-bytes must not be negative" }
        if maxMessageBytes < limits.maxValueBytes + limits.maxKeyBytes {
            return "--max-message-bytes (\(maxMessageBytes)) must be at least --max-value-bytes + --max-key-bytes (\(limits.maxValueBytes + limits.maxKeyBytes))"
        }
        if maxConcurrentStreams < 1 { return "--max-concurrent-streams must be at least 1" }
        if maxInFlight < 1 { return "--max-in-flight must be at least 1" }
        if !(0...65535).contains(listenPort) { return "port \(listenPort) is out of range" }
        if let problem = listenerLimits.validate() { return problem }
        if let problem = security.validate(peerHost: cluster.peerHost, nodeName: cluster.nodeName) { return problem }
        return cluster.validate()
    }
}

import GyreHTTP2

/// What each connection to a node may take, on the client and the peer listener (the README's
/// option table lists each with its flag and default).
///
/// Contract: the defaults are safe for a node facing hostile clients; ``validate()`` names the
/// first unusable value. The peer listener takes the same per-connection limits with twice the
/// message size and its own connection caps.
public struct ListenerLimits: Sendable {
    /// Decoded header list of one request, bytes (RFC 9113's count) and fields.
    public var maxHeaderListBytes: Int
    public var maxHeaderCount: Int
    /// A request must arrive whole within this many ms of its first HEADERS frame; a client must
    /// also start reading its pending responses within it.
    public var requestTimeoutMs: Int
    /// A connection with no open stream for this many ms is closed (0: never).
    public var idleTimeoutMs: Int
    /// Response bytes one connection may leave unread.
    public var maxUnsentBytes: Int
    /// Request bytes one connection may hold in incomplete requests (nil: 4 messages, ≥ 16 MiB).
    public var maxBufferedRequestBytes: Int?
    /// Calls one connection may have in flight (its share of `--max-in-flight`; nil: the
    /// concurrent stream limit).
    public var maxCallsPerConnection: Int?
    /// Calls all connections from one client address may have in flight (nil: a quarter of
    /// `--max-in-flight`).
    public var maxCallsPerSource: Int?
    /// Client connections in total and from one source address.
    public var maxConnections: Int
    public var maxConnectionsPerSource: Int
    /// Peer connections in total and from one source address.
    public var maxPeerConnections: Int
    public var maxPeerConnectionsPerSource: Int

    public init(maxHeaderListBytes: Int = 16 << 10, maxHeaderCount: Int = 64, requestTimeoutMs: Int = 10_000,
                idleTimeoutMs: Int = 120_000, maxUnsentBytes: Int = 8 << 20, maxBufferedRequestBytes: Int? = nil,
                maxCallsPerConnection: Int? = nil, maxCallsPerSource: Int? = nil, maxConnections: Int = 4096, maxConnectionsPerSource: Int = 256,
                maxPeerConnections: Int = 1024, maxPeerConnectionsPerSource: Int = 64) {
        self.maxHeaderListBytes = maxHeaderListBytes
        self.maxHeaderCount = maxHeaderCount
        self.requestTimeoutMs = requestTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.maxUnsentBytes = maxUnsentBytes
        self.maxBufferedRequestBytes = maxBufferedRequestBytes
        self.maxCallsPerConnection = maxCallsPerConnection
        self.maxCallsPerSource = maxCallsPerSource
        self.maxConnections = maxConnections
        self.maxConnectionsPerSource = maxConnectionsPerSource
        self.maxPeerConnections = maxPeerConnections
        self.maxPeerConnectionsPerSource = maxPeerConnectionsPerSource
    }

    /// Connection caps that fit under a file-descriptor limit: half of what is left after 256
    /// descriptors kept for the store and the node's own peer connections go to clients, an
    /// eighth to peers, within the defaults' maxima.
    public static func connectionCaps(fileLimit: Int) -> (clients: Int, peers: Int) {
        let spare = max(0, fileLimit - 256)
        return (min(4096, max(32, spare / 2)), min(1024, max(16, spare / 8)))
    }

    /// The server configuration of the client listener (`peer` false) or the peer listener. By
    /// default one connection may hold as many calls as it may open streams (100 of the default
    /// 1024: a client multiplexing one channel is not cut short), one client address a quarter of
    /// the budget but at least 256; a peer is one connection per node whose
    /// Replica.Batch counts as one call, so on the peer listener the defaults are the stream
    /// limit per connection and no separate per-address share.
    func server(peer: Bool, maxMessageBytes: Int, maxConcurrentStreams: UInt32, maxInFlight: Int) -> ServerConfiguration {
        let perConnection = maxCallsPerConnection
            ?? Int(maxConcurrentStreams)
        let perSource = maxCallsPerSource ?? (peer ? Int.max : max(256, maxInFlight / 4))
        return ServerConfiguration(
            maxMessageBytes: maxMessageBytes, maxConcurrentStreams: maxConcurrentStreams,
            maxHeaderListBytes: maxHeaderListBytes, maxHeaderCount: maxHeaderCount,
            requestTimeoutNanoseconds: UInt64(requestTimeoutMs) * 1_000_000,
            idleTimeoutNanoseconds: UInt64(idleTimeoutMs) * 1_000_000,
            maxBufferedRequestBytes: maxBufferedRequestBytes.map { max($0, maxMessageBytes) },
            maxUnsentBytes: maxUnsentBytes, maxCallsPerConnection: perConnection, maxCallsPerSource: perSource,
            maxConnections: peer ? maxPeerConnections : maxConnections,
            maxConnectionsPerSource: peer ? maxPeerConnectionsPerSource : maxConnectionsPerSource)
    }

    /// Why these limits cannot run, or nil.
    public func validate() -> String? {
        if maxHeaderListBytes < 1024 { return "--max-header-list-bytes must be at least 1024" }
        if maxHeaderCount < 8 { return "--max-header-count must be at least 8" }
        if requestTimeoutMs < 1 { return "--request-timeout-ms must be positive" }
        if idleTimeoutMs < 0 { return "--idle-timeout-ms must not be negative" }
        if maxUnsentBytes < 64 << 10 { return "--max-unsent-bytes must be at least 65536" }
        if let maxCallsPerConnection, maxCallsPerConnection < 1 { return "--max-calls-per-connection must be at least 1" }
        if let maxCallsPerSource, maxCallsPerSource < 1 { return "--max-calls-per-source must be at least 1" }
        if maxConnections < 1 || maxPeerConnections < 1 { return "--max-connections and --max-peer-connections must be at least 1" }
        if maxConnectionsPerSource < 1 || maxPeerConnectionsPerSource < 1 {
            return "--max-connections-per-source and --max-peer-connections-per-source must be at least 1"
        }
        return nil
    }
}

/// Limits and tuning of a gRPC server: what one connection, and one peer, may take.
///
/// Contract: every limit is enforced per connection except the in-flight budgets (shared by all
/// connections of one server, see ``CallBudgets``), ``maxBufferedRequestBytesTotal`` (shared by
/// the server) and the connection caps (per listener). Times are nanoseconds; zero disables a
/// timeout. ``validate()`` names the first unusable value.
public struct ServerConfiguration: Sendable {
    /// Largest request message accepted; larger ones answer RESOURCE_EXHAUSTED.
    public var maxMessageBytes: Int
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised on every connection.
    public var maxConcurrentStreams: UInt32
    /// HTTP/2 flow-control window per stream (SETTINGS_INITIAL_WINDOW_SIZE).
    public var initialWindowSize: UInt32
    /// HTTP/2 flow-control window per connection.
    public var connectionWindowSize: Int32

    // MARK: headers

    /// Largest decoded header list of one request (names + values + 32 bytes per field, as
    /// RFC 9113 counts it), also advertised as SETTINGS_MAX_HEADER_LIST_SIZE. A stream over it
    /// is reset the moment it passes the limit; nothing of it is kept.
    public var maxHeaderListBytes: Int
    /// Most header fields in one request's header list.
    public var maxHeaderCount: Int
    /// Streams a connection may have reset for oversized header lists before it gets GOAWAY
    /// (ENHANCE_YOUR_CALM) and is closed.
    public var maxHeaderViolations: Int

    // MARK: time

    /// A request (its headers and its whole body) must arrive within this time of its first
    /// HEADERS frame; otherwise the stream is answered and reset. Also bounds how long a
    /// connection may leave its pending response bytes untouched (a reader that stopped reading).
    public var requestTimeoutNanoseconds: UInt64
    /// A connection with no open stream for this long (including one that never sent a
    /// request) gets GOAWAY and is closed.
    public var idleTimeoutNanoseconds: UInt64

    // MARK: memory

    /// Request bytes one connection may hold buffered in incomplete requests; a stream whose
    /// data would pass it is answered RESOURCE_EXHAUSTED.
    public var maxBufferedRequestBytes: Int
    /// The same, over every connection of the server.
    public var maxBufferedRequestBytesTotal: Int
    /// Response bytes one connection may hold unsent (the peer reads slower than it asks).
    /// Above it the connection's input is no longer read, and a response that would add to a
    /// non-empty backlog past it is replaced by RESOURCE_EXHAUSTED.
    public var maxUnsentBytes: Int

    // MARK: calls

    /// Calls of the ordinary budget one connection may have in flight at once (its share of
    /// the server's ``CallBudgets/calls``); beyond: RESOURCE_EXHAUSTED.
    public var maxCallsPerConnection: Int
    /// Calls of the ordinary budget all connections from one source address may have in flight
    /// at once; beyond: RESOURCE_EXHAUSTED. Many connections from one address cannot take the
    /// whole node.
    public var maxCallsPerSource: Int

    // MARK: connections

    /// Open connections on the listener; at the cap the oldest idle connection is closed to make
    /// room, and without an idle one the new connection is refused.
    public var maxConnections: Int
    /// Open connections from one source address, with the same eviction rule.
    public var maxConnectionsPerSource: Int

    public init(maxMessageBytes: Int = 4 << 20, maxConcurrentStreams: UInt32 = 100,
                initialWindowSize: UInt32 = 1 << 20, connectionWindowSize: Int32 = 16 << 20,
                maxHeaderListBytes: Int = 16 << 10, maxHeaderCount: Int = 64, maxHeaderViolations: Int = 8,
                requestTimeoutNanoseconds: UInt64 = 10_000_000_000, idleTimeoutNanoseconds: UInt64 = 120_000_000_000,
                maxBufferedRequestBytes: Int? = nil, maxBufferedRequestBytesTotal: Int? = nil,
                maxUnsentBytes: Int = 8 << 20, maxCallsPerConnection: Int? = nil, maxCallsPerSource: Int = .max,
                maxConnections: Int = 1024, maxConnectionsPerSource: Int = 64) {
        self.maxMessageBytes = maxMessageBytes
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialWindowSize = initialWindowSize
        self.connectionWindowSize = connectionWindowSize
        self.maxHeaderListBytes = maxHeaderListBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderViolations = maxHeaderViolations
        self.requestTimeoutNanoseconds = requestTimeoutNanoseconds
        self.idleTimeoutNanoseconds = idleTimeoutNanoseconds
        self.maxBufferedRequestBytes = maxBufferedRequestBytes ?? Self.defaultBufferedRequestBytes(maxMessageBytes: maxMessageBytes)
        self.maxBufferedRequestBytesTotal = maxBufferedRequestBytesTotal ?? Self.defaultBufferedRequestBytesTotal(maxMessageBytes: maxMessageBytes)
        self.maxUnsentBytes = maxUnsentBytes
        self.maxCallsPerConnection = maxCallsPerConnection ?? Int(maxConcurrentStreams)
        self.maxCallsPerSource = maxCallsPerSource
        self.maxConnections = maxConnections
        self.maxConnectionsPerSource = maxConnectionsPerSource
    }

    /// Four maximal messages, at least 16 MiB: a client may send a few large writes at once.
    public static func defaultBufferedRequestBytes(maxMessageBytes: Int) -> Int {
        max(16 << 20, 4 * maxMessageBytes)
    }

    /// 64 maximal messages, at least 256 MiB.
    public static func defaultBufferedRequestBytesTotal(maxMessageBytes: Int) -> Int {
        max(256 << 20, 64 * maxMessageBytes)
    }

    /// Why this configuration cannot run, or nil.
    public func validate() -> String? {
        if maxHeaderListBytes < 1024 { return "the header list limit must be at least 1024 bytes" }
        if maxHeaderCount < 8 { return "the header count limit must be at least 8" }
        if maxHeaderViolations < 1 { return "the header violation limit must be at least 1" }
        if maxBufferedRequestBytes < maxMessageBytes {
            return "the buffered request bytes per connection (\(maxBufferedRequestBytes)) must be at least the message limit (\(maxMessageBytes))"
        }
        if maxBufferedRequestBytesTotal < maxBufferedRequestBytes {
            return "the buffered request bytes of the server must be at least those of one connection"
        }
        if maxUnsentBytes < 64 << 10 { return "the unsent bytes limit must be at least 65536" }
        if maxCallsPerConnection < 1 { return "the calls per connection must be at least 1" }
        if maxCallsPerSource < 1 { return "the calls per source address must be at least 1" }
        if maxConnections < 1 { return "the connection cap must be at least 1" }
        if maxConnectionsPerSource < 1 { return "the per-source connection cap must be at least 1" }
        return nil
    }
}

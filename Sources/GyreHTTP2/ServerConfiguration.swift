/// Limits and tuning of a gRPC server.
///
/// Contract: every limit is enforced per connection except `inFlight`, which is shared by all
/// connections of one server (one node).
public struct ServerConfiguration: Sendable {
    /// Largest request message accepted; larger ones answer RESOURCE_EXHAUSTED.
    public var maxMessageBytes: Int
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised on every connection.
    public var maxConcurrentStreams: UInt32
    /// HTTP/2 flow-control window per stream (SETTINGS_INITIAL_WINDOW_SIZE).
    public var initialWindowSize: UInt32
    /// HTTP/2 flow-control window per connection.
    public var connectionWindowSize: Int32

    public init(maxMessageBytes: Int = 4 << 20, maxConcurrentStreams: UInt32 = 100,
                initialWindowSize: UInt32 = 1 << 20, connectionWindowSize: Int32 = 16 << 20) {
        self.maxMessageBytes = maxMessageBytes
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialWindowSize = initialWindowSize
        self.connectionWindowSize = connectionWindowSize
    }
}

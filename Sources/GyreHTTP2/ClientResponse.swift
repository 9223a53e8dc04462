public import GyreRPC

/// What a client call received: the status, the response messages and the metadata.
///
/// Contract: `status` is the server's `grpc-status` (or a status synthesised from a transport
/// failure: UNAVAILABLE for a refused stream or a lost connection, CANCELLED for a local
/// cancel, DEADLINE_EXCEEDED for a local deadline); `messages` are unframed protobuf bytes.
public struct ClientResponse: Sendable {
    public var status: RPCStatus
    public var messages: [[UInt8]]
    /// Response headers (without pseudo-headers and gRPC's own).
    public var headers: Metadata
    /// True when the server answered Trailers-Only (a single HEADERS frame).
    public var trailersOnly: Bool
    /// True when the server certainly did not process the request: the connection could not be
    /// made, or the stream was refused (REFUSED_STREAM, or beyond a GOAWAY's last stream).
    /// Such a call is safe to retry elsewhere, even when it was a write.
    public var notProcessed: Bool
    /// True when `status` is the server's own `grpc-status`; false when the client made it up
    /// (no connection, a lost connection, a reset stream, a local deadline or cancel): a node
    /// that answered is up, even when it answered an error.
    public var fromServer: Bool

    public init(status: RPCStatus, messages: [[UInt8]] = [], headers: Metadata = Metadata(), trailersOnly: Bool = false,
                notProcessed: Bool = false, fromServer: Bool = false) {
        self.fromServer = fromServer
        self.status = status
        self.messages = messages
        self.headers = headers
        self.trailersOnly = trailersOnly
        self.notProcessed = notProcessed
    }

    /// The single response message of an OK unary call, or the call's error.
    public func unaryMessage() throws(RPCError) -> [UInt8] {
        if let error = status.error { throw error }
        guard messages.count == 1 else {
            throw RPCError(.internal, "expected one response message, got \(messages.count)")
        }
        return messages[0]
    }
}

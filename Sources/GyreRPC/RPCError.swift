/// The error of one RPC: a gRPC status code, a human message and optional trailing metadata.
///
/// Contract: maps 1:1 to what the client sees: `grpc-status`, `grpc-message` and extra
/// trailers. `code` is never `.ok`.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// Extra trailers sent with the status (e.g. `gyre-acks`, `gyre-outcome`).
    public var trailers: Metadata

    public init(_ code: StatusCode, _ message: String, trailers: Metadata = Metadata()) {
        precondition(code != .ok, "an RPCError cannot carry OK")
        self.code = code
        self.message = message
        self.trailers = trailers
    }

    public var description: String { "\(code): \(message)" }
}

/// The final status of a call: OK or an error.
public struct RPCStatus: Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    public var trailers: Metadata

    public init(code: StatusCode, message: String = "", trailers: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.trailers = trailers
    }

    public init(_ error: RPCError) {
        self.init(code: error.code, message: error.message, trailers: error.trailers)
    }

    public static let ok = RPCStatus(code: .ok)

    /// The error this status stands for, or nil when it is OK.
    public var error: RPCError? {
        code == .ok ? nil : RPCError(code, message, trailers: trailers)
    }

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }
}

/// A validated gRPC request head: the method path, the timeout and the caller's metadata.
///
/// Contract: built only through ``RequestHeadBuilder/finish()``, which enforces the gRPC
/// request rules (POST, a `application/grpc` content type, identity encoding, a well-formed
/// `grpc-timeout`) and otherwise returns the status to answer with, Trailers-Only.
public struct RequestHead: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The client's timeout in nanoseconds, or nil when it sent none.
    public var timeoutNanoseconds: UInt64?
    /// Every header that is not a pseudo-header or a reserved gRPC/HTTP header.
    public var metadata: Metadata

    public init(path: String, timeoutNanoseconds: UInt64? = nil, metadata: Metadata = Metadata()) {
        self.path = path
        self.timeoutNanoseconds = timeoutNanoseconds
        self.metadata = metadata
    }
}

/// Collects the header fields of one request as they arrive and validates them once complete.
///
/// Contract: feed each field with ``add(name:value:)`` (names are lower-case in HTTP/2), then
/// call ``finish()`` once.
public struct RequestHeadBuilder: Sendable {
    private var method: String?
    private var path: String?
    private var contentType: String?
    private var encoding: String?
    private var timeout: String?
    private var metadata = Metadata()

    public init() {}

    public mutating func add(name: String, value: String) {
        switch name {
        case ":method": method = value
        case ":path": path = value
        case ":scheme", ":authority", "te", "content-length", "user-agent", "accept-encoding",
             "grpc-accept-encoding", "host":
            break
        case "content-type": contentType = value
        case "grpc-encoding": encoding = value
        case "grpc-timeout": timeout = value
        default: metadata.addLowercased(name, value)
        }
    }

    /// The request head, or the error status to answer with.
    public func finish() -> Result<RequestHead, RPCError> {
        guard method == "POST" else {
            return .failure(RPCError(.unimplemented, "gRPC requires POST, got \(method ?? "no method")"))
        }
        guard let path, path.first == "/" else {
            return .failure(RPCError(.unimplemented, "missing or malformed :path"))
        }
        guard let contentType, Self.isGRPC(contentType: contentType) else {
            return .failure(RPCError(.invalidArgument,
                                     "content-type must be application/grpc, got \(contentType ?? "none")"))
        }
        if let encoding, encoding != "identity" {
            return .failure(RPCError(.unimplemented,
                                     "grpc-encoding \(encoding) is not supported: send uncompressed (identity) messages"))
        }
        var nanoseconds: UInt64?
        if let timeout {
            guard let parsed = GRPCTimeout.parse(timeout) else {
                return .failure(RPCError(.invalidArgument, "malformed grpc-timeout \(timeout)"))
            }
            nanoseconds = parsed
        }
        return .success(RequestHead(path: path, timeoutNanoseconds: nanoseconds, metadata: metadata))
    }

    /// `application/grpc`, alone or followed by `+format` or `;parameters`, as the gRPC HTTP/2
    /// protocol defines it; a bare prefix test would also take `application/grpc-web`, whose
    /// framing (trailers in the body) this server does not speak.
    private static func isGRPC(contentType: String) -> Bool {
        let base = "application/grpc".utf8
        let bytes = contentType.utf8
        guard bytes.starts(with: base) else { return false }
        let rest = bytes.dropFirst(base.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: ";")
    }
}

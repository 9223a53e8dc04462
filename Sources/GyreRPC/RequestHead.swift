/// A validated gRPC request head: the method path, the timeout and the caller's metadata.
///
/// Contract: built only through ``RequestHeadBuilder/finish()``, which enforces the gRPC
/// request rules (POST, a `application/grpc` content type, `te: trailers`, identity encoding, a
/// well-formed `grpc-timeout`) and otherwise returns the status to answer with, Trailers-Only.
public struct RequestHead: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The path's index in the builder's ``PathTable``, or nil for a path the server does not know.
    public var pathIndex: Int?
    /// The client's timeout in nanoseconds, or nil when it sent none.
    public var timeoutNanoseconds: UInt64?
    /// Every header that is not a pseudo-header or a reserved gRPC/HTTP header.
    public var metadata: Metadata

    public init(path: String, pathIndex: Int? = nil, timeoutNanoseconds: UInt64? = nil, metadata: Metadata = Metadata()) {
        self.path = path
        self.pathIndex = pathIndex
        self.timeoutNanoseconds = timeoutNanoseconds
        self.metadata = metadata
    }
}

/// Collects the header fields of one request as they arrive and validates them once complete.
///
/// Contract: feed each field with ``add(name:value:)`` (names are lower-case in HTTP/2), then
/// call ``finish()`` once. Works on the raw bytes: the known gRPC and HTTP fields are checked
/// in place, and only the path of an unknown method and custom metadata become Strings.
public struct RequestHeadBuilder: Sendable {
    private let paths: PathTable
    private var isPost = false
    private var methodText: String?
    private var pathIndex: Int?
    private var path: String?
    private var contentTypeOK = false
    private var contentTypeText: String?
    private var encodingText: String?
    private var teTrailers = false
    private var teText: String?
    private var timeout: UInt64?
    private var timeoutText: String?
    private var timeoutMalformed = false
    private var metadata = Metadata()

    public init(paths: PathTable = PathTable([])) {
        self.paths = paths
    }

    /// Adds one field given as Strings (tests, tools).
    public mutating func add(name: String, value: String) {
        var name = name, value = value
        name.withUTF8 { nameBytes in
            value.withUTF8 { valueBytes in
                add(name: UnsafeRawBufferPointer(nameBytes), value: UnsafeRawBufferPointer(valueBytes))
            }
        }
    }

    /// Adds one field as the HTTP/2 layer received it.
    public mutating func add(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        switch name.count {
        case 2 where HeaderBytes.equal(name, "te"):
            teTrailers = HeaderBytes.equal(value, "trailers")
            teText = teTrailers ? nil : HeaderBytes.string(value)
            return
        case 4 where HeaderBytes.equal(name, "host"):
            return
        case 5 where HeaderBytes.equal(name, ":path"):
            if let index = paths.index(of: value) {
                pathIndex = index
                path = paths.strings[index]
            } else {
                pathIndex = nil
                path = HeaderBytes.string(value)
            }
            return
        case 7 where HeaderBytes.equal(name, ":method"):
            isPost = HeaderBytes.equal(value, "POST")
            methodText = isPost ? nil : HeaderBytes.string(value)
            return
        case 7 where HeaderBytes.equal(name, ":scheme"):
            return
        case 10 where HeaderBytes.equal(name, ":authority") || HeaderBytes.equal(name, "user-agent"):
            return
        case 12 where HeaderBytes.equal(name, "content-type"):
            contentTypeOK = Self.isGRPC(contentType: value)
            contentTypeText = contentTypeOK ? nil : HeaderBytes.string(value)
            return
        case 12 where HeaderBytes.equal(name, "grpc-timeout"):
            timeout = GRPCTimeout.parse(utf8: value)
            timeoutMalformed = timeout == nil
            timeoutText = timeoutMalformed ? HeaderBytes.string(value) : nil
            return
        case 13 where HeaderBytes.equal(name, "grpc-encoding"):
            encodingText = HeaderBytes.equal(value, "identity") ? nil : HeaderBytes.string(value)
            return
        case 14 where HeaderBytes.equal(name, "content-length"):
            return
        case 15 where HeaderBytes.equal(name, "accept-encoding"):
            return
        case 20 where HeaderBytes.equal(name, "grpc-accept-encoding"):
            return
        default:
            // A pseudo-header not matched above (`:status`, `:protocol`, a misspelt `:scheme`) is
            // never metadata, as the contract says. nghttp2 refuses such a request as malformed
            // before it gets here, but the builder must not depend on that (found by fuzzing).
            if name.first == UInt8(ascii: ":") { return }
            metadata.addLowercased(HeaderBytes.string(name), HeaderBytes.string(value))
        }
    }

    /// The request head, or the error status to answer with.
    public func finish() -> Result<RequestHead, RPCError> {
        guard isPost else {
            return .failure(RPCError(.unimplemented, "gRPC requires POST, got \(methodText ?? "no method")"))
        }
        guard let path, path.first == "/" else {
            return .failure(RPCError(.unimplemented, "missing or malformed :path"))
        }
        guard contentTypeOK else {
            return .failure(RPCError(.invalidArgument,
                                     "content-type must be application/grpc, got \(contentTypeText ?? "none")"))
        }
        guard teTrailers else {
            // gRPC requires it: a proxy that drops `te` would also drop the trailers that
            // carry every call's status.
            return .failure(RPCError(.internal, "gRPC requires the header te: trailers, got \(teText.map { "te: \($0)" } ?? "none")"))
        }
        if let encodingText {
            // The compression spec: UNIMPLEMENTED, naming what this server accepts.
            return .failure(RPCError(.unimplemented,
                                     "grpc-encoding \(encodingText) is not supported: send uncompressed (identity) messages",
                                     trailers: ["grpc-accept-encoding": "identity"]))
        }
        if timeoutMalformed {
            return .failure(RPCError(.invalidArgument, "malformed grpc-timeout \(timeoutText ?? "")"))
        }
        return .success(RequestHead(path: path, pathIndex: pathIndex, timeoutNanoseconds: timeout, metadata: metadata))
    }

    /// `application/grpc`, alone or followed by `+format` or `;parameters`, as the gRPC HTTP/2
    /// protocol defines it; a bare prefix test would also take `application/grpc-web`, whose
    /// framing (trailers in the body) this server does not speak.
    private static func isGRPC(contentType: UnsafeRawBufferPointer) -> Bool {
        guard HeaderBytes.hasPrefix(contentType, "application/grpc") else { return false }
        let rest = contentType.count - 16
        return rest == 0 || contentType[16] == UInt8(ascii: "+") || contentType[16] == UInt8(ascii: ";")
    }
}

/// Why bytes could not be decoded as a given message.
///
/// Contract: thrown by ``WireMessage/decode(_:)`` for input that is not a valid protobuf encoding
/// of the message (truncated, a wrong wire type for a known field, an unterminated varint, …).
/// `message` names the protobuf message and the input size, e.g.
/// `malformed gyre.v1.PutRequest (37 bytes)`, and is fit for a gRPC `INVALID_ARGUMENT` message.
/// Input that protobuf accepts but Gyre cannot use (a oneof with no member set, an id of the
/// wrong length) adds the reason: `malformed gyre.v1.CoordinateRequest (2 bytes): it has no
/// request`. It never quotes the input bytes.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, in words.
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }

    /// The error for `byteCount` bytes that are not a valid `protoName` message.
    static func malformed(_ protoName: StaticString, byteCount: Int) -> WireError {
        WireError(message: "malformed \(protoName) (\(byteCount) bytes)")
    }

    /// The error for `byteCount` bytes that parse as a `protoName` message that breaks one of
    /// Gyre's rules, described by `problem`.
    static func malformed(_ protoName: StaticString, byteCount: Int, _ problem: String) -> WireError {
        WireError(message: "malformed \(protoName) (\(byteCount) bytes): \(problem)")
    }
}

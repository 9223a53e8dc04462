/// A message of Gyre's gRPC API that converts to and from its protobuf encoding.
///
/// Contract:
/// - ``decode(_:)`` accepts any bytes: a valid encoding gives the message (unknown fields are
///   skipped; a singular field given twice keeps its last value, as protobuf requires, and so
///   does a oneof given two members); anything else throws ``WireError``, as does a valid
///   encoding the Swift type cannot hold (a oneof with no member set, an id that is not 16
///   bytes). It never traps or reads outside the buffer.
/// - ``encode()`` returns the canonical protobuf encoding (fields in number order, default
///   values omitted), so `decode(encode(m)) == m` for every message `m`, with one exception
///   inherited from protobuf-c's NUL-terminated strings: a `String` field is cut at its first
///   U+0000.
/// - ``encodeFramed()`` returns the same bytes preceded by the 5-byte gRPC message prefix
///   (``GyreRPC/MessageFraming``), built in one allocation.
public protocol WireMessage: Sendable {
    /// Decodes protobuf bytes (no gRPC prefix). Malformed/truncated input throws WireError, never crashes.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Self

    /// The protobuf encoding (no prefix).
    func encode() -> [UInt8]

    /// The gRPC frame: the 5-byte prefix (``GyreRPC/MessageFraming``) followed by the protobuf
    /// bytes, packed in place with one allocation.
    func encodeFramed() -> [UInt8]
}

extension WireMessage {
    /// Decodes protobuf bytes (no gRPC prefix); with the same contract as the
    /// `UnsafeRawBufferPointer` form.
    @inlinable
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Self {
        // Inlinable, so it is specialised for the concrete message at the call site.
        try bytes.withUnsafeBufferPointer { (buffer) throws(WireError) -> Self in
            try decode(UnsafeRawBufferPointer(buffer))
        }
    }
}

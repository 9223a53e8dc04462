internal import CGyreProto
internal import GyreRPC

// Conversions between Swift storage and protobuf-c's C representations, and the one-allocation
// packing every message's `encode()` / `encodeFramed()` share. Internal: no C type leaves
// GyreWire.

// MARK: bytes

extension Array where Element == UInt8 {
    /// Runs `body` with a `ProtobufCBinaryData` that points at this array's storage.
    ///
    /// The pointer is valid only inside `body`: the C struct must not outlive the call.
    /// protobuf-c only reads through it when packing, so the `mutating` cast is never used to write.
    @inline(__always)
    func withBinaryData<Result>(_ body: (ProtobufCBinaryData) -> Result) -> Result {
        withUnsafeBufferPointer { buffer in
            body(ProtobufCBinaryData(len: buffer.count, data: UnsafeMutablePointer(mutating: buffer.baseAddress)))
        }
    }

    /// A copy of the bytes protobuf-c unpacked (`data` is NULL when `len` is 0).
    ///
    /// `Array(UnsafeRawBufferPointer)` is specialised here and measured about three times
    /// cheaper than `init(unsafeUninitializedCapacity:)` (whose allocation goes through an
    /// unspecialised runtime path on Linux) for small fields.
    @inline(__always)
    init(_ binary: ProtobufCBinaryData) {
        self.init(UnsafeRawBufferPointer(start: binary.data, count: binary.len))
    }
}

// MARK: strings

extension String {
    /// Runs `body` with a NUL-terminated view of the string for a protobuf-c `char *` field
    /// (no copy for a native string), or NULL for the empty string.
    ///
    /// NULL is protobuf-c's unambiguous "absent" for a proto3 string, so the field is omitted
    /// and the encoding stays canonical (1.4.1 also omits a pointer to `""`), and nothing needs
    /// the library's `protobuf_c_empty_string`. The pointer is valid only inside `body`.
    @inline(__always)
    func withOptionalCString<Result>(_ body: (UnsafeMutablePointer<CChar>?) -> Result) -> Result {
        if isEmpty { return body(nil) }
        return withCString { body(UnsafeMutablePointer(mutating: $0)) }
    }

    /// The string protobuf-c unpacked; NULL (never produced by unpack, but cheap to allow) is "".
    @inline(__always)
    init(protobufC pointer: UnsafePointer<CChar>?) {
        if let pointer { self.init(cString: pointer) } else { self = "" }
    }
}

// MARK: unpacking

/// Unpacks `bytes` with a generated `*__unpack`, converts the C message with `convert`, and
/// frees it with the matching `*__free_unpacked` before returning.
///
/// protobuf-c returns NULL for any malformed input (after freeing what it had allocated), so
/// NULL becomes ``WireError``; `convert` must copy everything it needs out of the message, and
/// throws for a message that protobuf accepts but Gyre does not (an unset oneof, an id of the
/// wrong length); the message is freed either way.
@inline(__always)
func unpack<CMessage, Message>(
    _ bytes: UnsafeRawBufferPointer,
    as protoName: StaticString,
    with unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<CMessage>?,
    free: (UnsafeMutablePointer<CMessage>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
    _ convert: (CMessage) throws(WireError) -> Message
) throws(WireError) -> Message {
    let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    guard let message = unpack(nil, bytes.count, data) else {
        throw WireError.malformed(protoName, byteCount: bytes.count)
    }
    defer { free(message, nil) }
    return try convert(message.pointee)
}

// MARK: packing

/// The encoded form of a message of `packedSize` bytes, in exactly one allocation: the 5-byte
/// gRPC prefix when `framed`, then the bytes `pack` writes at the pointer it is given.
///
/// `pack` must write exactly `packedSize` bytes (protobuf-c's `*__get_packed_size` and
/// `*__pack` agree by construction) and return how many it wrote.
@inline(__always)
func packedEncoding(framed: Bool, packedSize: Int, pack: (UnsafeMutablePointer<UInt8>) -> Int) -> [UInt8] {
    let prefixLength = framed ? MessageFraming.prefixLength : 0
    let total = prefixLength + packedSize
    if total == 0 { return [] }
    return [UInt8](unsafeUninitializedCapacity: total) { buffer, initializedCount in
        let base = buffer.baseAddress!
        if framed {
            MessageFraming.writePrefix(length: packedSize, into: UnsafeMutableRawBufferPointer(start: base, count: prefixLength))
        }
        if packedSize > 0 {
            let written = pack(base + prefixLength)
            precondition(written == packedSize, "protobuf-c packed \(written) bytes, expected \(packedSize)")
        }
        initializedCount = total
    }
}

// MARK: repeated fields

// Swift lends an array's or a string's storage only inside a closure (`withUnsafeBufferPointer`,
// `withCString`), so presenting a repeated field to protobuf-c takes one nested scope per
// element. To keep the stack depth bounded whatever the number of elements, messages with a
// repeated field are packed in chunks of elements (see `GetResponse` and `NodeStats`): because
// protobuf-c packs fields in field-number order, packing one C message per chunk (the fields
// numbered before the repeated one in the first chunk, those after it in the last) and
// concatenating the results gives the same bytes as packing the whole message at once.

extension Array where Element == [UInt8] {
    /// Runs `body` with `scratch[0..<range.count]` holding a `ProtobufCBinaryData` for each
    /// of `self[range]`, every one pointing at its array's storage and valid only inside `body`.
    func withBinaryData(_ range: Range<Int>, in scratch: UnsafeMutableBufferPointer<ProtobufCBinaryData>,
                        _ body: () -> Void) {
        guard let index = range.first else { return body() }
        self[index].withBinaryData { binary in
            scratch.initializeElement(at: 0, to: binary)
            withBinaryData((index + 1)..<range.upperBound, in: UnsafeMutableBufferPointer(rebasing: scratch[1...]), body)
        }
    }
}

// MARK: hand-written field keys

// Used only where protobuf-c cannot pack a field from pointers: an embedded message that is
// itself packed in chunks (a `GetResponse` inside `CoordinateResponse`) needs its key and total
// length written before its chunks.

/// The number of bytes of `value` as a protobuf base-128 varint.
@inline(__always)
func varintSize(_ value: UInt64) -> Int {
    // 1 byte per started group of 7 bits; 0 still takes a byte.
    (64 - (value | 1).leadingZeroBitCount + 6) / 7
}

/// Writes `value` as a protobuf base-128 varint at `out`; returns the bytes written
/// (``varintSize(_:)``).
@inline(__always)
func writeVarint(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
    var value = value
    var written = 0
    while value >= 0x80 {
        out[written] = UInt8(truncatingIfNeeded: value) | 0x80
        value >>= 7
        written += 1
    }
    out[written] = UInt8(value)
    return written + 1
}

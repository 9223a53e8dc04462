/// gRPC's length-prefixed message framing: 1 flag byte (0 = uncompressed), a 4-byte big-endian
/// length, then the message.
///
/// Contract: ``prefixLength`` bytes precede every message; ``writePrefix(length:into:)`` writes
/// them for an uncompressed message.
public enum MessageFraming {
    /// Bytes before each message.
    public static let prefixLength = 5

    /// Writes the 5-byte prefix of an uncompressed message of `length` bytes at `pointer`.
    public static func writePrefix(length: Int, into pointer: UnsafeMutableRawBufferPointer) {
        precondition(pointer.count >= prefixLength && length >= 0 && length <= Int(UInt32.max))
        pointer[0] = 0
        pointer[1] = UInt8(truncatingIfNeeded: length >> 24)
        pointer[2] = UInt8(truncatingIfNeeded: length >> 16)
        pointer[3] = UInt8(truncatingIfNeeded: length >> 8)
        pointer[4] = UInt8(truncatingIfNeeded: length)
    }

    /// The framed form of `message`: prefix followed by the bytes.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: prefixLength + message.count) { buffer, count in
            writePrefix(length: message.count, into: UnsafeMutableRawBufferPointer(buffer))
            if !message.isEmpty {
                message.withUnsafeBufferPointer { source in
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[prefixLength...]).initialize(from: source)
                }
            }
            count = prefixLength + message.count
        }
    }
}

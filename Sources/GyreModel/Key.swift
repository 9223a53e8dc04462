/// A key as the client sent it: any bytes, compared byte for byte.
///
/// Contract: a `Key` is only a value; whether its length is acceptable is decided by
/// ``KVLimits/validate(key:)`` at the edge of the node, not here.
public struct Key: Hashable, Sendable, CustomStringConvertible {
    /// The key's bytes.
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// The bytes in one hasher call: an array of bytes hashes each element on its own (a hasher
    /// round per byte), which showed in the profile of every write (stripe locks, batch maps).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Printable form for logs: UTF-8 when it is printable ASCII, hex otherwise, cut at 64 bytes.
    public var description: String {
        let shown = bytes.prefix(64)
        let printable = shown.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        var text = printable
            ? String(decoding: shown, as: UTF8.self)
            : "0x" + shown.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        if bytes.count > shown.count { text += "…(\(bytes.count) bytes)" }
        return text
    }
}

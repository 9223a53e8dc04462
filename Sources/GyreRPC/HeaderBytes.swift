/// Byte-level helpers for header fields as nghttp2 hands them over (no String is made).
enum HeaderBytes {
    /// True when `bytes` equal `literal` exactly.
    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let other = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for index in 0..<bytes.count where bytes[index] != other[index] { return false }
        return true
    }

    /// True when `bytes` start with `literal`.
    @inline(__always)
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count >= literal.utf8CodeUnitCount else { return false }
        return equal(UnsafeRawBufferPointer(rebasing: bytes[0..<literal.utf8CodeUnitCount]), literal)
    }

    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

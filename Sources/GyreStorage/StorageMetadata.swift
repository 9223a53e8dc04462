/// Names and rules of node metadata shared by every engine.
public enum StorageMetadata {
    /// The metadata name holding a durable store's format version (`"2"` in ASCII); reserved.
    public static let formatMarker = "gyre.format"

    /// Throws unless `name` may be set by ``StorageEngine/setMetadata(_:_:)``.
    public static func validateSettable(_ name: String) throws(StorageError) {
        if name.isEmpty { throw StorageError("a metadata name must not be empty") }
        if name == formatMarker {
            throw StorageError("metadata name \(formatMarker) is reserved for the store's format marker")
        }
    }

    /// A counter kept as metadata: 8 bytes, big-endian.
    public static func encode(counter value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    /// The counter `bytes` hold; nil unless they are 8 bytes.
    public static func decodeCounter(_ bytes: [UInt8]) -> UInt64? {
        bytes.count == 8 ? bytes.reduce(0) { $0 << 8 | UInt64($1) } : nil
    }
}

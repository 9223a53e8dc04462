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
}

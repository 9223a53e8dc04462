import CRocksDB

/// A failure RocksDB reported, with its own error text (for messages to operators).
struct RocksDBFailure: Error, CustomStringConvertible {
    let text: String

    var description: String { text }

    /// Runs `body` with RocksDB's `char** errptr` out-parameter; throws what RocksDB put there.
    static func check<R>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) throws(RocksDBFailure) -> R {
        var error: UnsafeMutablePointer<CChar>?
        let result = body(&error)
        if let error {
            let text = String(cString: error)
            rocksdb_free(error)
            throw RocksDBFailure(text: text)
        }
        return result
    }
}

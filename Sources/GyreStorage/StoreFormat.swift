/// The on-disk format of a Gyre RocksDB store, version 1.
///
/// - Column families: `data` (records; keys laid out by ``StorageKeyLayout``), `hints` (hinted
///   handoff, reserved for it), `meta` (node metadata, keyed by the name's UTF-8 bytes), and
///   RocksDB's `default` (unused).
/// - `meta` holds ``StorageMetadata/formatMarker`` = `"1"`, written (and synced) when the store is
///   created. A build refuses a store whose marker is newer than ``version``.
enum StoreFormat {
    static let version = 1
    static let data = "data"
    static let hints = "hints"
    static let meta = "meta"
    static let families = ["default", data, hints, meta]

    static var markerKey: [UInt8] { Array(StorageMetadata.formatMarker.utf8) }
    static var markerValue: [UInt8] { Array(String(version).utf8) }
}

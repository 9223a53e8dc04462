/// The on-disk format of a Gyre RocksDB store, version 2.
///
/// - Column families: `data` (records; keys laid out by ``StorageKeyLayout``), `hints` (hinted
///   handoff, reserved for it), `meta` (node metadata, keyed by the name's UTF-8 bytes), and
///   RocksDB's `default` (unused).
/// - `meta` holds ``StorageMetadata/formatMarker`` = `"2"`, written (and synced) when the store is
///   created. A build refuses a store whose marker is newer than ``version``, and one older than
///   ``oldestReadable``.
/// - Version 2: the node records its cluster's secret (`cluster.secret`), under which it seals the
///   contexts it gives clients. A version 1 store has no secret and its cluster handed out
///   unsealed contexts, which this version refuses: it cannot be upgraded in place.
enum StoreFormat {
    static let version = 2
    /// The oldest format this build opens.
    static let oldestReadable = 2
    static let data = "data"
    static let hints = "hints"
    static let meta = "meta"
    static let families = ["default", data, hints, meta]

    static var markerKey: [UInt8] { Array(StorageMetadata.formatMarker.utf8) }
    static var markerValue: [UInt8] { Array(String(version).utf8) }
}

import CRocksDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open RocksDB instance with its column families: thin, throwing wrappers over the C API.
///
/// Contract: thread-safe for concurrent reads and writes (as RocksDB is); ``close()`` must not
/// run concurrently with anything else (`DatabaseSlot` guarantees it) and is idempotent. Writes
/// use `sync = 0`: durability comes from ``flushWAL(sync:)``.
final class RocksDBDatabase: @unchecked Sendable {
    private var db: OpaquePointer?
    private var families: [String: OpaquePointer]
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    /// Opened read-only (after a failed reopen): reads work, writes fail.
    let isReadOnly: Bool

    private init(db: OpaquePointer, families: [String: OpaquePointer], readOnly: Bool) {
        self.db = db
        self.families = families
        isReadOnly = readOnly
        readOptions = rocksdb_readoptions_create()
        writeOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(writeOptions, 0)
    }

    deinit {
        close()
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
    }

    /// The column families of the database at `path` (reads only its MANIFEST).
    static func listFamilies(path: String, options: RocksDBOptions) throws(RocksDBFailure) -> [String] {
        var count = 0
        let names = try RocksDBFailure.check { error in rocksdb_list_column_families(options.raw, path, &count, error) }
        guard let names else { return [] }
        defer { rocksdb_list_column_families_destroy(names, count) }
        return (0..<count).map { String(cString: names[$0]!) }
    }

    /// Opens the database at `path` with `families` (all of its column families, or a subset when
    /// read-only).
    static func open(path: String, options: RocksDBOptions, families: [String], readOnly: Bool) throws(RocksDBFailure) -> RocksDBDatabase {
        let names = families.map { strdup($0) }
        defer { names.forEach { free($0) } }
        let namePointers = names.map { UnsafePointer<CChar>($0) }
        let familyOptions = families.map { Optional(options.family($0)) }
        var handles = [OpaquePointer?](repeating: nil, count: families.count)
        let db = try RocksDBFailure.check { error in
            readOnly
                ? rocksdb_open_for_read_only_column_families(options.raw, path, Int32(families.count), namePointers,
                                                             familyOptions, &handles, 0, error)
                : rocksdb_open_column_families(options.raw, path, Int32(families.count), namePointers,
                                               familyOptions, &handles, error)
        }
        guard let db else { throw RocksDBFailure(text: "RocksDB returned no database for \(path)") }
        var byName: [String: OpaquePointer] = [:]
        for (name, handle) in zip(families, handles) { byName[name] = handle }
        return RocksDBDatabase(db: db, families: byName, readOnly: readOnly)
    }

    private func family(_ name: String) throws(RocksDBFailure) -> OpaquePointer {
        guard db != nil else { throw RocksDBFailure(text: "the database is closed") }
        guard let handle = families[name] else { throw RocksDBFailure(text: "no column family \(name)") }
        return handle
    }

    func get(_ familyName: String, _ key: [UInt8]) throws(RocksDBFailure) -> [UInt8]? {
        let handle = try family(familyName)
        let slice = try RocksDBFailure.check { error in
            Self.withBytes(key) { key, keyLength in rocksdb_get_pinned_cf(db, readOptions, handle, key, keyLength, error) }
        }
        guard let slice else { return nil }
        defer { rocksdb_pinnableslice_destroy(slice) }
        var length = 0
        guard let value = rocksdb_pinnableslice_value(slice, &length) else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    func put(_ familyName: String, _ key: [UInt8], _ value: [UInt8]) throws(RocksDBFailure) {
        let handle = try family(familyName)
        try RocksDBFailure.check { error in
            Self.withBytes(key) { key, keyLength in
                Self.withBytes(value) { value, valueLength in
                    rocksdb_put_cf(db, writeOptions, handle, key, keyLength, value, valueLength, error)
                }
            }
        }
    }

    func delete(_ familyName: String, _ key: [UInt8]) throws(RocksDBFailure) {
        let handle = try family(familyName)
        try RocksDBFailure.check { error in
            Self.withBytes(key) { key, keyLength in rocksdb_delete_cf(db, writeOptions, handle, key, keyLength, error) }
        }
    }

    /// One entry of ``write(_:)``: a put (`value` set) or a delete.
    struct BatchEntry {
        let family: String
        let key: [UInt8]
        let value: [UInt8]?
    }

    /// Applies `entries` as one atomic RocksDB write batch (one WAL record).
    func write(_ entries: [BatchEntry]) throws(RocksDBFailure) {
        guard db != nil else { throw RocksDBFailure(text: "the database is closed") }
        let batch = rocksdb_writebatch_create()
        defer { rocksdb_writebatch_destroy(batch) }
        for entry in entries {
            let handle = try family(entry.family)
            Self.withBytes(entry.key) { key, keyLength in
                if let value = entry.value {
                    Self.withBytes(value) { value, valueLength in
                        rocksdb_writebatch_put_cf(batch, handle, key, keyLength, value, valueLength)
                    }
                } else {
                    rocksdb_writebatch_delete_cf(batch, handle, key, keyLength)
                }
            }
        }
        try RocksDBFailure.check { error in rocksdb_write(db, writeOptions, batch, error) }
    }

    /// Writes the WAL buffer to the WAL file and, with `sync`, fsyncs it.
    func flushWAL(sync: Bool) throws(RocksDBFailure) {
        guard let db else { throw RocksDBFailure(text: "the database is closed") }
        try RocksDBFailure.check { error in rocksdb_flush_wal(db, sync ? 1 : 0, error) }
    }

    /// Visits the entries of `familyName` from `start` (inclusive) to `end` (exclusive; nil: to
    /// the end) in key order while `body` returns true. The buffers are valid only during `body`.
    /// A walk without an end, or from before the first partition prefix, asks for RocksDB's total
    /// order (the `data` family's memtable is hashed by partition, so only a walk bounded within
    /// one partition may use the faster prefix order).
    func forEach(_ familyName: String, from start: [UInt8], to end: [UInt8]?,
                 _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) throws(RocksDBFailure) {
        let handle = try family(familyName)
        let options = rocksdb_readoptions_create()!
        defer { rocksdb_readoptions_destroy(options) }
        // The upper bound must outlive the iterator: keep it in a buffer freed after it.
        let bound = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, end?.count ?? 0), alignment: 1)
        defer { bound.deallocate() }
        if let end {
            bound.copyBytes(from: end)
            rocksdb_readoptions_set_iterate_upper_bound(options, bound.baseAddress!.assumingMemoryBound(to: CChar.self), end.count)
        }
        if end == nil || start.count < StorageKeyLayout.prefixLength {
            rocksdb_readoptions_set_total_order_seek(options, 1)
        }
        let iterator = rocksdb_create_iterator_cf(db, options, handle)!
        defer { rocksdb_iter_destroy(iterator) }
        Self.withBytes(start) { start, length in rocksdb_iter_seek(iterator, start, length) }
        while rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            let key = rocksdb_iter_key(iterator, &keyLength)
            let value = rocksdb_iter_value(iterator, &valueLength)
            guard body(UnsafeRawBufferPointer(start: key, count: keyLength),
                       UnsafeRawBufferPointer(start: value, count: valueLength)) else { return }
            rocksdb_iter_next(iterator)
        }
        try RocksDBFailure.check { error in rocksdb_iter_get_error(iterator, error) }
    }

    /// True when `familyName` holds no entry.
    func isEmpty(_ familyName: String) throws(RocksDBFailure) -> Bool {
        var empty = true
        try forEach(familyName, from: [], to: nil) { _, _ in
            empty = false
            return false
        }
        return empty
    }

    /// The integer property `name` of `familyName` (e.g. `rocksdb.estimate-num-keys`), or nil.
    func intProperty(_ familyName: String, _ name: String) -> UInt64? {
        guard let db, let handle = families[familyName] else { return nil }
        var value: UInt64 = 0
        return rocksdb_property_int_cf(db, handle, name, &value) == 0 ? value : nil
    }

    /// The database-wide integer property `name` (e.g. `rocksdb.is-write-stopped`), or nil.
    func intProperty(_ name: String) -> UInt64? {
        guard let db else { return nil }
        var value: UInt64 = 0
        return rocksdb_property_int(db, name, &value) == 0 ? value : nil
    }

    /// Writes a consistent copy of the database into `directory`, which must not exist (a RocksDB
    /// checkpoint: SST files hard-linked when on the same file system, copied otherwise; the
    /// memtables are flushed first, so the copy needs no WAL replay).
    func checkpoint(to directory: String) throws(RocksDBFailure) {
        guard let db else { throw RocksDBFailure(text: "the database is closed") }
        let checkpoint = try RocksDBFailure.check { error in rocksdb_checkpoint_object_create(db, error) }
        guard let checkpoint else { throw RocksDBFailure(text: "RocksDB returned no checkpoint object") }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        try RocksDBFailure.check { error in rocksdb_checkpoint_create(checkpoint, directory, 0, error) }
    }

    private static func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>?, Int) -> R) -> R {
        bytes.withUnsafeBytes { body($0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
    }

    /// Releases the column family handles and closes the database. Idempotent.
    func close() {
        guard let db else { return }
        for handle in families.values { rocksdb_column_family_handle_destroy(handle) }
        families = [:]
        rocksdb_close(db)
        self.db = nil
    }
}

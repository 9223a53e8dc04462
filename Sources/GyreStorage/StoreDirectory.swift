#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides, without changing anything, whether a directory may be opened as a Gyre store.
///
/// Contract: ``prepare(_:)`` creates the directory (and its parents) when it is missing, each
/// one made durable by an fsync of the directory that holds it (a power cut must not take away a
/// store that acknowledged writes), and otherwise only reads: it lists the entries, RocksDB's column families (from the MANIFEST) and
/// opens the database read-only to read the format marker. It throws a ``StorageError`` fit for
/// an operator, and leaves the directory as it found it, when the directory is not empty and is
/// not a Gyre store, holds a newer format or an older one this build cannot open, or cannot be
/// opened or recovered by RocksDB.
enum StoreDirectory {
    /// What ``prepare(_:)`` found: the column families to open, and whether the store is new (or
    /// an interrupted creation) and so still needs its format marker.
    struct Prepared {
        var families: [String]
        var isNew: Bool
    }

    /// - Parameter syncDirectory: makes a directory's entries durable (fsync); tests record it.
    static func prepare(_ path: String,
                        syncDirectory: (String) throws(StorageError) -> Void = StoreDirectory.syncDirectory) throws(StorageError) -> Prepared {
        let entries: [String]
        switch try listDirectory(path) {
        case nil:
            try makeDirectory(path, syncDirectory: syncDirectory)
            return Prepared(families: StoreFormat.families, isNew: true)
        case let .some(found):
            entries = found
        }
        if entries.isEmpty {
            // Made by someone else, perhaps moments ago: make its entry durable too.
            try syncDirectory(parent(of: path))
            return Prepared(families: StoreFormat.families, isNew: true)
        }
        guard entries.contains("CURRENT") else {
            let shown = entries.sorted().prefix(5).joined(separator: ", ")
            throw refusal(path, "the directory is not empty and is not a Gyre store (it holds \(shown)"
                              + (entries.count > 5 ? ", …" : "") + "). Give the node an empty or new directory")
        }
        let options = RocksDBOptions()
        let families: [String]
        do {
            families = try RocksDBDatabase.listFamilies(path: path, options: options)
        } catch {
            throw unreadable(path, error)
        }
        let probe: RocksDBDatabase
        do {
            probe = try RocksDBDatabase.open(path: path, options: options, families: families, readOnly: true)
        } catch {
            throw unreadable(path, error)
        }
        defer { probe.close() }
        // Checked after the read-only open: a garbage MANIFEST lists only `default`, and must be
        // reported as damage, not as someone else's database.
        guard families.contains(StoreFormat.meta) else {
            throw refusal(path, "it holds a RocksDB database that is not a Gyre store (column families: "
                              + families.joined(separator: ", ") + "). Give the node an empty or new directory")
        }
        let wanted = Array(Set(families).union(StoreFormat.families)).sorted()
        func read<T>(_ body: () throws(RocksDBFailure) -> T) throws(StorageError) -> T {
            do { return try body() } catch { throw unreadable(path, error) }
        }
        guard let marker = try read({ () throws(RocksDBFailure) in try probe.get(StoreFormat.meta, StoreFormat.markerKey) }) else {
            // A crash between creating the database and writing the marker leaves exactly
            // Gyre's column families, all empty: finish that creation.
            let empty = try read { () throws(RocksDBFailure) in
                for family in [StoreFormat.data, StoreFormat.meta, StoreFormat.hints] where try !probe.isEmpty(family) {
                    return false
                }
                return true
            }
            if Set(families) == Set(StoreFormat.families) && empty {
                return Prepared(families: wanted, isNew: true)
            }
            throw refusal(path, "it holds a RocksDB database without Gyre's format marker, so it is not a "
                              + "Gyre store. Give the node an empty or new directory")
        }
        guard let version = Int(String(decoding: marker, as: UTF8.self)), version >= 1 else {
            throw refusal(path, "its format marker is unreadable (\(marker.count) bytes), so it is not a Gyre store "
                              + "this build can open")
        }
        guard version <= StoreFormat.version else {
            throw refusal(path, "its store format is \(version), newer than this build supports "
                              + "(\(StoreFormat.version)). Run a newer gyre-node")
        }
        guard version >= StoreFormat.oldestReadable else {
            throw refusal(path, "its store format is \(version), made by an older gyre-node whose causal contexts are "
                              + "not compatible with this version (\(StoreFormat.version): contexts are now sealed for "
                              + "their key and cluster). The store must be recreated: move the directory away and start "
                              + "every node of the cluster with an empty one")
        }
        return Prepared(families: wanted, isNew: false)
    }

    private static func refusal(_ path: String, _ reason: String) -> StorageError {
        StorageError("refusing to open \(path) as a Gyre store: \(reason); nothing in it was changed")
    }

    private static func unreadable(_ path: String, _ failure: RocksDBFailure) -> StorageError {
        refusal(path, "RocksDB cannot open or recover it (\(failure.text)). Restore the node's data from its replicas "
                    + "(move the directory away and start with an empty one) or repair the store offline")
    }

    /// The entries of `path` (without `.` and `..`), or nil when it does not exist.
    private static func listDirectory(_ path: String) throws(StorageError) -> [String]? {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return nil }
            let reason = errno == ENOTDIR ? "it is not a directory" : String(cString: strerror(errno))
            throw StorageError("cannot open \(path) as a Gyre store: \(reason)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `mkdir -p path`, then an fsync of the parent of every directory it created.
    private static func makeDirectory(_ path: String, syncDirectory: (String) throws(StorageError) -> Void) throws(StorageError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        var created: [String] = []
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) == 0 {
                created.append(prefix)
            } else if errno != EEXIST {
                throw StorageError("cannot create the store directory \(path): \(String(cString: strerror(errno)))")
            }
            prefix += "/"
        }
        // Deepest first: each new directory's entry lives in its parent.
        for directory in created.reversed() { try syncDirectory(parent(of: directory)) }
    }

    /// The directory holding `path` ("." for a bare name).
    static func parent(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// fsync of a directory: its entries (files and directories made in it) survive a power cut.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else {
            throw StorageError("cannot open \(path) to make the store directory durable: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw StorageError("cannot fsync \(path) to make the store directory durable: \(String(cString: strerror(errno)))")
        }
    }
}

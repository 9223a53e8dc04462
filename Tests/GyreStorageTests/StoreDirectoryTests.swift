@testable import GyreStorage
import Synchronization
import Testing

/// A new store directory is durable before anything is written in it: every directory
/// `prepare` creates is followed by an fsync of the directory holding it. (A power cut used to
/// take away a new node's whole data directory, acknowledged writes and all.)
@Suite struct StoreDirectoryTests {
    @Test func everyCreatedDirectoryIsSyncedInItsParent() throws {
        let root = TemporaryDirectory("store-dir")
        defer { root.remove() }
        let synced = Mutex<[String]>([])
        let store = root.child("a/b/store")
        let prepared = try StoreDirectory.prepare(store) { path throws(StorageError) in
            synced.withLock { $0.append(path) }
            try StoreDirectory.syncDirectory(path)
        }
        #expect(prepared.isNew)
        #expect(synced.withLock { $0 } == [root.child("a/b"), root.child("a"), root.path])
    }

    @Test func anEmptyDirectoryMadeBeforehandIsSyncedInItsParent() throws {
        let root = TemporaryDirectory("store-dir-existing")
        defer { root.remove() }
        let synced = Mutex<[String]>([])
        _ = try StoreDirectory.prepare(root.path) { path throws(StorageError) in synced.withLock { $0.append(path) } }
        #expect(synced.withLock { $0 } == [StoreDirectory.parent(of: root.path)])
    }

    @Test func parents() {
        #expect(StoreDirectory.parent(of: "/var/lib/gyre") == "/var/lib")
        #expect(StoreDirectory.parent(of: "/var/lib/gyre/") == "/var/lib")
        #expect(StoreDirectory.parent(of: "/gyre") == "/")
        #expect(StoreDirectory.parent(of: "gyre") == ".")
        #expect(StoreDirectory.parent(of: "data/gyre") == "data")
    }
}

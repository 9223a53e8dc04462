import Dispatch
import GyreStorage
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Takes online backups of a node's store: a RocksDB checkpoint written into a directory on the
/// node's own host, while the node keeps serving.
///
/// Contract: one backup at a time (a second one is refused while the first runs). The target
/// must be an absolute path that does not exist yet, in a directory that does. Every write
/// acknowledged before ``take(to:completion:)`` was called is in the backup; the backup opens
/// as a Gyre store (`gyre-node --data-dir` on it, or RocksDB's own tools). The completion runs
/// once, on a thread of its own.
public final class NodeBackup: Sendable {
    /// The outcome of one backup.
    public enum Outcome: Sendable, Equatable {
        case taken(path: String, milliseconds: UInt64)
        case refused(String)
        case busy
        case failed(String)
    }

    private let storage: any StorageEngine
    private let running = Atomic<Bool>(false)

    init(storage: any StorageEngine) {
        self.storage = storage
    }

    public func take(to path: String, completion: @escaping @Sendable (Outcome) -> Void) {
        if let problem = Self.problem(with: path) { return completion(.refused(problem)) }
        guard running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return completion(.busy)
        }
        DispatchQueue.global().async { [self] in
            let started = DispatchTime.now().uptimeNanoseconds
            let outcome: Outcome
            do throws(StorageError) {
                try storage.checkpoint(to: path)
                outcome = .taken(path: path, milliseconds: (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
            } catch {
                outcome = .failed(error.description)
            }
            running.store(false, ordering: .releasing)
            completion(outcome)
        }
    }

    /// Why `path` cannot receive a backup, or nil.
    /// ``take(to:completion:)`` awaited.
    public func take(to path: String) async -> Outcome {
        await withCheckedContinuation { continuation in take(to: path) { continuation.resume(returning: $0) } }
    }

    static func problem(with path: String) -> String? {
        guard path.hasPrefix("/") else { return "the backup directory must be an absolute path, got \(path)" }
        guard !path.split(separator: "/").contains("..") else { return "the backup directory must not contain '..'" }
        var status = stat()
        if stat(path, &status) == 0 { return "\(path) already exists: a backup goes into a new directory" }
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        guard stat("/" + parent, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            return "the directory that would hold \(path) does not exist"
        }
        return nil
    }
}

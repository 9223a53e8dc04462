public import GyreModel
import Synchronization

/// How many hints a node keeps for one owner (`--hint-max-bytes-per-owner`,
/// `--hint-window-seconds`).
///
/// Contract: a hint for an owner is refused when the bytes held for it would pass `maxBytes`, or
/// when its backlog has waited longer than `window` (the owner has been unreachable that long:
/// Cassandra's hint window). Hints already held are never dropped for either cap; a refusal is
/// recorded (the partition needs a full repair) and counted.
public struct HintLimits: Sendable, Equatable {
    public var maxBytesPerOwner: Int
    /// Nanoseconds.
    public var window: UInt64

    public init(maxBytesPerOwner: Int = 256 << 20, window: UInt64 = 3 * 3600 * 1_000_000_000) {
        self.maxBytesPerOwner = maxBytesPerOwner
        self.window = window
    }
}

/// The hints this node holds, per owner: bytes, and since when the backlog is not empty.
///
/// Contract: thread-safe. Starts from ``load(_:now:)`` (a scan of the store at start), then
/// follows every hint stored or delivered. Bytes are the records' value sizes.
public final class HintBacklog: Sendable {
    /// One owner's backlog.
    public struct Entry: Sendable, Equatable {
        public var bytes: Int
        public var records: Int
        /// When the backlog last went from empty to not empty (for a backlog found at start, the
        /// start).
        public var since: UInt64
    }

    /// Why a hint was refused.
    public enum CapHit: Sendable, Equatable, CustomStringConvertible {
        case bytes(held: Int, limit: Int)
        case window(waitedSeconds: UInt64)

        public var description: String {
            switch self {
            case let .bytes(held, limit): "the hints held for it (\(held) bytes) would pass the cap of \(limit) bytes"
            case let .window(waited): "its hints have waited \(waited) s, past the hint window"
            }
        }
    }

    public let limits: HintLimits
    private let entries = Mutex<[NodeID: Entry]>([:])

    public init(limits: HintLimits) { self.limits = limits }

    /// Replaces the book with what a scan of the store found.
    public func load(_ found: [NodeID: (bytes: Int, records: Int)], now: UInt64) {
        entries.withLock { entries in
            entries = found.mapValues { Entry(bytes: $0.bytes, records: $0.records, since: now) }
        }
    }

    /// Whether a hint of `bytes` more for `owner` passes a cap.
    public func check(owner: NodeID, adding bytes: Int, now: UInt64) -> CapHit? {
        entries.withLock { entries in
            guard let entry = entries[owner], entry.records > 0 else {
                return bytes > limits.maxBytesPerOwner ? .bytes(held: 0, limit: limits.maxBytesPerOwner) : nil
            }
            if now > entry.since, now - entry.since > limits.window {
                return .window(waitedSeconds: (now - entry.since) / 1_000_000_000)
            }
            if entry.bytes + bytes > limits.maxBytesPerOwner {
                return .bytes(held: entry.bytes, limit: limits.maxBytesPerOwner)
            }
            return nil
        }
    }

    /// A hint record for `owner` changed size: from `oldBytes` (nil: it was new) to `newBytes`
    /// (nil: it was deleted).
    public func record(owner: NodeID, oldBytes: Int?, newBytes: Int?, now: UInt64) {
        entries.withLock { entries in
            var entry = entries[owner] ?? Entry(bytes: 0, records: 0, since: now)
            if entry.records == 0 { entry.since = now }
            entry.bytes += (newBytes ?? 0) - (oldBytes ?? 0)
            entry.records += (newBytes == nil ? 0 : 1) - (oldBytes == nil ? 0 : 1)
            entry.bytes = max(0, entry.bytes)
            entry.records = max(0, entry.records)
            if entry.records == 0 {
                entries[owner] = nil
            } else {
                entries[owner] = entry
            }
        }
    }

    /// Every owner's backlog now.
    public var snapshot: [NodeID: Entry] { entries.withLock { $0 } }

    /// Bytes held for every owner together.
    public var totalBytes: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.bytes } } }
}

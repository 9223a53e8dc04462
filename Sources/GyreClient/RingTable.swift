import GyreCore
import GyreModel
import Synchronization

/// The ring the client routes by, replaced whole when a newer one is learned.
///
/// Contract: thread-safe. ``offer(_:)`` keeps a ring only when it is newer than the one held
/// (a higher epoch, or the same epoch with a higher members version) and valid. Where each
/// partition's requests go is worked out once per ring, with the nodes' own placement
/// (``KeyPlacement``): a call only hashes its key.
final class RingTable: Sendable {
    struct Snapshot: Sendable {
        let info: RingInfo
        let ring: Ring
        let replication: Int
        /// Every member's client address, in member order.
        let allAddresses: [String]
        /// Per partition: the client addresses of its preference list, then of the next members
        /// on the ring (where a sloppy quorum looks), N + 2 in all at most.
        let candidates: [[String]]

        init(info: RingInfo, ring: Ring) {
            self.info = info
            self.ring = ring
            replication = max(1, Int(info.replication))
            allAddresses = info.members.map(\.clientAddress)
            let addresses = Dictionary(info.members.map { ($0.id, $0.clientAddress) }, uniquingKeysWith: { first, _ in first })
            let replication = replication
            candidates = (0..<ring.partitionCount).map { partition in
                let placement = KeyPlacement(partition: partition, replicas: ring.preferenceList(partition: partition, n: replication))
                return (placement.replicas + placement.fallbacks(in: ring, limit: 2)).compactMap { addresses[$0] }
            }
        }

        /// Where a request for `key` goes, in order.
        func candidates(for key: [UInt8]) -> ArraySlice<String> {
            candidates[ring.partition(for: Key(key))][...]
        }

        /// The client addresses of `key`'s preference list.
        func preferenceAddresses(for key: [UInt8]) -> [String] {
            Array(candidates(for: key).prefix(replication))
        }
    }

    private let current = Mutex<Snapshot?>(nil)

    var snapshot: Snapshot? { current.withLock { $0 } }
    var epoch: UInt64 { current.withLock { $0?.info.epoch ?? 0 } }

    /// Keeps `info` when it is newer than the ring held; returns whether it did. Throws when a
    /// newer `info` does not make a valid ring.
    @discardableResult
    func offer(_ info: RingInfo) throws(RingError) -> Bool {
        let newer = current.withLock { held in
            held.map { ($0.info.epoch, $0.info.membersVersion) < (info.epoch, info.membersVersion) } ?? true
        }
        guard newer else { return false }
        let snapshot = Snapshot(info: info, ring: try info.ring())
        return current.withLock { held in
            if let held, (held.info.epoch, held.info.membersVersion) >= (info.epoch, info.membersVersion) { return false }
            held = snapshot
            return true
        }
    }

    /// The client addresses of the key's preference list, in order (empty without a ring).
    func preferenceAddresses(for key: [UInt8]) -> [String] {
        snapshot?.preferenceAddresses(for: key) ?? []
    }
}

import GyreCore
import GyreModel
import Synchronization

/// The ring the client routes by, replaced whole when a newer one is learned.
///
/// Contract: thread-safe. ``offer(_:)`` keeps a ring only when it is newer than the one held
/// (a higher epoch, or the same epoch with a higher members version) and valid; ``placement(for:)``
/// hashes the key with the nodes' own function (``KeyPlacement``).
final class RingTable: Sendable {
    struct Snapshot: Sendable {
        let info: RingInfo
        let ring: Ring
        let replication: Int
        /// Client address of each member, by id.
        let addresses: [NodeID: String]
        /// Every member's client address, in member order.
        let allAddresses: [String]
    }

    private let current = Mutex<Snapshot?>(nil)

    var snapshot: Snapshot? { current.withLock { $0 } }
    var epoch: UInt64 { current.withLock { $0?.info.epoch ?? 0 } }

    /// Keeps `info` when it is newer than the ring held; returns whether it did.
    @discardableResult
    func offer(_ info: RingInfo) -> Bool {
        guard let ring = try? info.ring() else { return false }
        let snapshot = Snapshot(info: info, ring: ring, replication: max(1, Int(info.replication)),
                                addresses: Dictionary(info.members.map { ($0.id, $0.clientAddress) }, uniquingKeysWith: { a, _ in a }),
                                allAddresses: info.members.map(\.clientAddress))
        return current.withLock { held in
            if let held, (held.info.epoch, held.info.membersVersion) >= (info.epoch, info.membersVersion) { return false }
            held = snapshot
            return true
        }
    }

    /// The client addresses of the key's preference list, in order (empty without a ring).
    func preferenceAddresses(for key: [UInt8]) -> [String] {
        guard let snapshot else { return [] }
        let placement = KeyPlacement(key: Key(key), ring: snapshot.ring, replication: snapshot.replication)
        return placement.replicas.compactMap { snapshot.addresses[$0] }
    }
}

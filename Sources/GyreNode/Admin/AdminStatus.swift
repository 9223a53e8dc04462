import Foundation
import GyreModel
import GyrePipeline
import Synchronization

/// The document the admin page polls (`GET /admin/status`): this node's view of the cluster
/// (members and their failure-detector state, the ring's ownership) and every reachable
/// member's Stats, fetched over the peer connections (`Replica.Stats`).
///
/// Contract: a member the detector calls dead is not asked; a member that does not answer
/// within ``AdminStatus/peerTimeoutNanoseconds`` has `stats` null and `error` set. Before the
/// cluster formed, `members` is empty.
struct AdminStatus: Encodable, Sendable {
    static let peerTimeoutNanoseconds: UInt64 = 700_000_000

    struct MemberEntry: Encodable, Sendable {
        var id: String
        var name: String
        var address: String
        var peerAddress: String
        var weight: UInt32
        var state: String
        var incarnation: UInt64
        var isSelf: Bool
        var partitions: Int
        var stats: [String: UInt64]?
        var error: String?
    }

    var node: String
    var version: String
    var serving: Bool
    var epoch: UInt64
    var partitionCount: Int
    var replication: Int
    /// The owner of each partition, as an index into `members` (the ring, drawn by the page).
    var owners: [Int]
    var members: [MemberEntry]
    /// Milliseconds since the epoch when this document was made (the page's rate clock).
    var timeMilliseconds: UInt64

    /// Gathers the document: local parts at once, the other members' Stats as they answer.
    static func gather(node: Node, completion: @escaping @Sendable (AdminStatus) -> Void) {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        guard let view = node.state.currentView else {
            return completion(AdminStatus(node: node.id.description, version: GyreVersion.current, serving: node.isServing,
                                          epoch: 0, partitionCount: 0, replication: 0, owners: [], members: [],
                                          timeMilliseconds: now))
        }
        let statuses = node.detector.view
        let ring = view.ring
        let position = Dictionary(uniqueKeysWithValues: ring.members.enumerated().map { ($0.element.id, $0.offset) })
        var held = [Int](repeating: 0, count: ring.members.count)
        for owner in ring.owners { held[position[owner] ?? 0] += 1 }
        let entries = ring.members.enumerated().map { index, member in
            let status = statuses[member.id] ?? .alive(0)
            return MemberEntry(id: member.id.description, name: member.name, address: member.clientAddress,
                               peerAddress: member.peerAddress, weight: member.weight, state: "\(status.state)",
                               incarnation: status.incarnation, isSelf: member.id == node.id, partitions: held[index],
                               stats: nil, error: nil)
        }
        let document = Mutex(AdminStatus(
            node: node.id.description, version: GyreVersion.current, serving: node.isServing, epoch: ring.epoch,
            partitionCount: ring.partitionCount, replication: view.replication,
            owners: ring.owners.map { position[$0] ?? 0 }, members: entries, timeMilliseconds: now))
        var asked: [(index: Int, member: Member)] = []
        for (index, member) in ring.members.enumerated() {
            if member.id == node.id {
                document.withLock { $0.members[index].stats = Self.dictionary(node.stats()) }
            } else if entries[index].state == "dead" {
                document.withLock { $0.members[index].error = "not asked: the failure detector declared it dead" }
            } else {
                asked.append((index, member))
            }
        }
        guard !asked.isEmpty else { return completion(document.withLock { $0 }) }
        let pending = Atomic<Int>(asked.count)
        let peers = node.peers.value
        for (index, member) in asked {
            peers.call(member, epoch: ring.epoch, ReplicaPaths.stats, StatsRequest(), as: NodeStats.self,
                       timeoutNanoseconds: peerTimeoutNanoseconds) { result in
                document.withLock { document in
                    switch result {
                    case let .success(stats): document.members[index].stats = Self.dictionary(stats)
                    case let .failure(failure): document.members[index].error = "\(failure.error)"
                    }
                }
                if pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    completion(document.withLock { $0 })
                }
            }
        }
    }

    private static func dictionary(_ stats: NodeStats) -> [String: UInt64] {
        Dictionary(stats.counters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The document as JSON (snake_case keys).
    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
    }
}

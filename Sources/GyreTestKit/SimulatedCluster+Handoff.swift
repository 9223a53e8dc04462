import GyreCore
import GyreModel
import GyrePipeline
import GyreStorage

// Hinted handoff in the simulation: the nodes' own HintHandoff, swept by the world while clients
// run and until no hint is left after the heal; what handoff owes is observed as hints are stored.
extension SimulatedCluster {
    /// How often every running node sweeps its hints while clients run.
    static var handoffTickInterval: UInt64 { 30_000_000 }

    /// Sweeps until no node holds a hint (at most 10 rounds, each drained), then lists what
    /// handoff left undone: hints still held, and events hinted for an owner that lacks them.
    func quietHandoff() -> [String] {
        for round in 1...10 {
            guard heldHints() > 0 else { break }
            trace.record(now, "quiet handoff round \(round): \(heldHints()) hints held")
            for node in nodes.indices { nodes[node].handoff?.sweep {} }
            drain()
        }
        var problems: [String] = []
        let held = heldHints()
        if held > 0 { problems.append("\(held) hints still held after the heal and 10 handoff sweeps") }
        let owed = observations.hinted.sorted { ($0.key.owner, "\($0.key.key.key)") < ($1.key.owner, "\($1.key.key.key)") }
        for (hinted, owedHistory) in owed {
            let history = stored(hinted.key, at: hinted.owner).map { versioning.history(of: $0) } ?? VersionVector()
            if !history.descends(owedHistory) {
                problems.append("n\(hinted.owner) holds \(history) of \(hinted.key.key), less than was hinted for it: \(owedHistory)")
            }
        }
        return problems
    }

    /// Hint records held by every node (repair records aside).
    func heldHints() -> Int {
        nodes.reduce(0) { count, node in
            let records = (try? node.store.scan(partition: StorageKey.hintPartition, after: nil, limit: 100_000)) ?? []
            return count + records.filter { record in
                StorageKey(partition: StorageKey.hintPartition, key: record.key).hintTarget?.owner != StorageKey.repairOwner
            }.count
        }
    }

    /// How many nodes hold `dot` of `key` in a hint (for any owner).
    func hintHolders(of dot: Dot, key: StorageKey) -> Int {
        nodes.indices.filter { node in
            members.contains { owner in
                guard let bytes = try? nodes[node].store.get(.hint(owner: owner.id, for: key)),
                      let versions = try? versioning.decode(bytes) else { return false }
                return versioning.history(of: versions).contains(dot)
            }
        }.count
    }

    /// A hint record was stored at some node: what it holds is owed to its owner.
    func recordHinted(_ hintKey: StorageKey, bytes: [UInt8]) {
        guard let target = hintKey.hintTarget, target.owner != StorageKey.repairOwner,
              let versions = try? versioning.decode(bytes) else { return }
        let owner = index(of: target.owner)
        let key = StorageObservations.HintedKey(owner: owner, key: target.record)
        observations.hinted[key] = (observations.hinted[key] ?? VersionVector()).merged(with: versioning.history(of: versions))
        observations.hintsStored += 1
    }
}

/// The simulation's failure detector: a node sees the crashed nodes as down at once, and the
/// nodes the partition cuts it from once the partition is `detectionDelay` old (before that its
/// calls to them time out and move on, as a real detector's first periods do).
struct SimulatedLiveness<Versioning: ReplicaVersioning>: MemberLiveness, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let node: Int
    static var detectionDelay: UInt64 { 25_000_000 }

    func downMembers() -> Set<NodeID> {
        var down = Set(world.nodes.filter { !$0.isUp }.map(\.id))
        if !world.blocked.isEmpty, world.now >= world.partitionStartedAt + Self.detectionDelay {
            for other in world.nodes.indices where world.cut(node, other) { down.insert(world.nodes[other].id) }
        }
        return down
    }
}

import GyreCore
import GyreModel
import GyreStorage

// After the heal: every key read at every replica with R = N (repairing what differs), then the
// oracle: the merge of every node's stored versions of the key.
extension SimulatedCluster {
    func converge() {
        trace.record(now, "converge: read every key at every replica, R = N")
        for key in keys {
            let (storageKey, replicas) = placement(of: key)
            for node in replicas {
                let slot = finalReads.count
                finalReads.append(FinalRead(node: node, values: nil))
                startRead(key: storageKey, replicas: replicas, r: replicas.count, deadline: now + schedule.replicaTimeout,
                          origin: .final(slot: slot), at: node)
            }
        }
        drain()
    }

    /// Each key's oracle and final reads, in key order.
    func finalState() -> [FinalKeyState] {
        var slot = 0
        return keys.map { key in
            let (storageKey, replicas) = placement(of: key)
            let stored: [Version?] = nodes.indices.map { node in
                (try? nodes[node].storage.get(storageKey)).flatMap { $0 }.map { bytes in
                    guard let versions = Versioning.decode(bytes) else { preconditionFailure("unreadable stored versions") }
                    return versions
                }
            }
            let oracle = stored.compactMap { $0 }.reduce(nil as Version?) { merged, next in merged.map { $0.merged(with: next) } ?? next }
            let reads = Array(finalReads[slot..<(slot + replicas.count)])
            slot += replicas.count
            return FinalKeyState(
                key: key,
                values: Versioning.clientView(of: oracle).values,
                reads: reads,
                divergentReplicas: replicas.filter { stored[$0] != oracle },
                strayHolders: nodes.indices.filter { !replicas.contains($0) && stored[$0] != nil }
            )
        }
    }
}

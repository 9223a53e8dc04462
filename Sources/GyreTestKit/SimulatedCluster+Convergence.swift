import GyreCore
import GyreModel
import GyrePipeline
import GyreStorage

// After the heal: every key read at every replica with R = N (repairing what differs), then the
// oracle: the merge of every node's stored versions of the key.
extension SimulatedCluster {
    func converge() {
        trace.record(now, "converge: read every key at every replica, R = N")
        for key in keys {
            let replicas = placement(of: key).replicas
            for node in replicas {
                let slot = finalReads.count
                finalReads.append(FinalRead(node: node, values: nil))
                guard let handler = nodes[node].handler else { preconditionFailure("a node is down after the heal") }
                handler.router.get(GetRequest(key: key, r: UInt32(replicas.count)), hops: 0,
                                   responder: FinalReadResponder(world: self, slot: slot, node: node))
            }
        }
        drain()
    }

    /// Each key's oracle and final reads, in key order.
    func finalState() -> [FinalKeyState] {
        var slot = 0
        return keys.map { key in
            let (storageKey, replicas) = placement(of: key)
            let versions: [Version?] = nodes.indices.map { stored(storageKey, at: $0) }
            let oracle = versions.compactMap { $0 }.reduce(nil as Version?) { merged, next in merged.map { $0.merged(with: next) } ?? next }
            let reads = Array(finalReads[slot..<(slot + replicas.count)])
            slot += replicas.count
            return FinalKeyState(
                key: key,
                values: versioning.clientView(of: oracle).values,
                reads: reads,
                divergentReplicas: replicas.filter { versions[$0] != oracle },
                strayHolders: nodes.indices.filter { !replicas.contains($0) && versions[$0] != nil }
            )
        }
    }
}

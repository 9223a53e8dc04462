public import GyreModel

/// Where a key lives: its partition and its preference list (the N distinct nodes that own the
/// partition, in ring order). The node, the simulation and clients place keys with this alone.
///
/// Contract: a pure function of the key's bytes, the ring and N; `replicas` has min(N, members)
/// distinct nodes, the partition's owner first.
public struct KeyPlacement: Sendable, Equatable {
    public let partition: Int
    public let replicas: [NodeID]

    public init(key: Key, ring: Ring, replication: Int) {
        partition = ring.partition(for: key)
        replicas = ring.preferenceList(partition: partition, n: replication)
    }

    /// A placement whose preference list was computed before (``Ring/preferenceList(partition:n:)``
    /// for `partition`): what a node's precomputed view hands out without walking the ring.
    public init(partition: Int, replicas: [NodeID]) {
        self.partition = partition
        self.replicas = replicas
    }

    /// Up to `limit` members after the preference list on the ring, in ring order: where a sloppy
    /// quorum writes and reads for replicas that are down or silent.
    public func fallbacks(in ring: Ring, limit: Int) -> [NodeID] {
        Array(ring.preferenceList(partition: partition, n: replicas.count + limit).dropFirst(replicas.count))
    }

    /// Whether a request for this key that reached `me` after `hops` forwards is coordinated
    /// here or forwarded (see ``RouteDecision``).
    public func route(at me: NodeID, hops: UInt32) -> RouteDecision {
        if replicas.contains(me) { return .coordinate }
        return hops == 0 ? .forward(replicas) : .misrouted
    }
}

/// Coordinate here or forward.
public enum RouteDecision: Sendable, Equatable {
    /// This node is in the key's preference list: it coordinates.
    case coordinate
    /// Forward to these nodes, in this order, moving on as ``RetryRule`` allows.
    case forward([NodeID])
    /// A forwarded request reached a node outside the preference list: the two nodes' rings
    /// disagree. It is answered UNAVAILABLE (not applied), never forwarded again.
    case misrouted
}

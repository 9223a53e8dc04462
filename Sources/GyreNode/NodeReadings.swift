import GyreHTTP2
import GyreModel
import GyrePipeline
import GyreStorage

/// Takes a node's readings: its counters, its gauges (calls in flight, connections, storage,
/// ring, members by state, hint backlog) and its storage engine's own figures, for
/// `Cluster/Stats`, `/metrics` and the admin page alike.
///
/// Contract: thread-safe; every reading is taken fresh (nothing cached).
struct NodeReadings: Sendable {
    let id: NodeID
    let metrics: NodeMetrics
    let limiter: InFlightLimiter
    let storage: any StorageEngine
    let connections: ConnectionGauges
    let hints: HintBacklog
    let state: ClusterState
    let detector: FailureDetector

    /// Everything now.
    func reading() -> MetricsReading {
        var reading = MetricsReading()
        metrics.reading(into: &reading)
        let servers = connections.servers
        reading.gauge("rpc.in_flight", UInt64(limiter.inFlight))
        reading.gauge("conn.open", UInt64(servers.reduce(0) { $0 + $1.openConnections }))
        reading.gauge("conn.buffered_request_bytes", UInt64(servers.reduce(0) { $0 + $1.bufferedRequestBytes }))
        storageReading(into: &reading)
        clusterReading(into: &reading)
        return reading
    }

    /// The reading as `Cluster/Stats` answers it.
    func stats() -> NodeStats { reading().stats(nodeID: id.description) }

    private func storageReading(into reading: inout MetricsReading) {
        let statistics = storage.statistics
        reading.gauge("storage.keys", UInt64(storage.count))
        reading.counter("storage.writes", statistics.writes)
        reading.counter("storage.wal_syncs", statistics.walSyncs)
        reading.counter("storage.write_faults", statistics.writeFaults)
        reading.counter("storage.reopens", statistics.reopens)
        reading.gauge("storage.write_fault", storage.health == .ok ? 0 : 1)
        for (name, value) in storage.engineFigures { reading.gauge(name, value) }
    }

    private func clusterReading(into reading: inout MetricsReading) {
        let backlog = hints.snapshot
        for (owner, entry) in backlog {
            reading.add("hints.backlog_bytes.\(owner)", family: "gyre_hints_backlog_owner_bytes", labels: [("owner", "\(owner)")],
                        kind: .gauge, value: UInt64(entry.bytes))
        }
        reading.gauge("hints.backlog_bytes", UInt64(backlog.values.reduce(0) { $0 + $1.bytes }))
        reading.gauge("hints.backlog_records", UInt64(backlog.values.reduce(0) { $0 + $1.records }))
        guard let view = state.currentView else { return }
        reading.gauge("ring.epoch", view.ring.epoch)
        reading.gauge("ring.partitions_held", UInt64(view.ring.owners.lazy.filter { $0 == id }.count))
        let statuses = detector.view
        var byState: [MemberState: UInt64] = [.alive: 0, .suspect: 0, .dead: 0]
        for member in view.ring.members {
            byState[(statuses[member.id] ?? .alive(0)).state, default: 0] += 1
        }
        for memberState in [MemberState.alive, .suspect, .dead] {
            reading.add("members.\(memberState)", family: "gyre_members", labels: [("state", "\(memberState)")], kind: .gauge,
                        value: byState[memberState] ?? 0)
        }
    }
}

import GyreHTTP2
import GyreModel
import GyrePipeline
import GyreRPC
import GyreWire

/// The read-only `gyre.v1.Cluster` service: the node's counters (Stats), the ring it routes by
/// (Ring, and WatchRing streaming each new one), and its failure detector's view of the members
/// (Members).
///
/// Contract: Stats answers the node's ``MetricsReading`` by its Stats names: the counters of
/// ``NodeMetrics`` (`rpc.<Service>.<Method>.<STATUS>`, `latency_micros.<Service>.<Method>`, the
/// pipeline's), and gauges such as `rpc.in_flight` (requests being processed) and `storage.keys`
/// (records held). Ring and Members answer
/// UNAVAILABLE until the cluster has formed; WatchRing waits for it, on the long-lived budget.
struct ClusterService {
    let snapshot: @Sendable () -> NodeStats
    let ring: @Sendable () -> RingInfo?
    let members: @Sendable () -> MembersResponse?
    let watchers: RingWatchers

    func register(into router: inout RPCRouter) {
        let snapshot = self.snapshot, ring = self.ring, members = self.members, watchers = self.watchers
        router.register("/gyre.v1.Cluster/Members") { call, bytes in
            guard let _: MembersRequest = RequestChecks.decode(call, bytes) else { return }
            guard let answer = members() else {
                return call.fail(RPCError(.unavailable, "the cluster is still forming: no ring yet"))
            }
            call.respond(answer.encodeFramed())
        }
        router.register("/gyre.v1.Cluster/Stats") { call, bytes in
            guard let _: StatsRequest = RequestChecks.decode(call, bytes) else { return }
            call.respond(snapshot().encodeFramed())
        }
        router.register("/gyre.v1.Cluster/Ring") { call, bytes in
            guard let _: RingRequest = RequestChecks.decode(call, bytes) else { return }
            guard let info = ring() else {
                return call.fail(RPCError(.unavailable, "the cluster is still forming: no ring yet"))
            }
            call.respond(info.encodeFramed())
        }
        router.register("/gyre.v1.Cluster/WatchRing", budget: .longLived) { call, bytes in
            guard let _: RingRequest = RequestChecks.decode(call, bytes) else { return }
            watchers.add(call)
        }
    }
}

extension ClusterView {
    /// The ring as the Cluster service shows it.
    var ringInfo: RingInfo {
        let members = ring.members
        let position = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($0.element.id, UInt32($0.offset)) })
        return RingInfo(epoch: ring.epoch, partitionCount: UInt32(ring.partitionCount), replication: UInt32(replication),
                        members: members, owners: ring.owners.map { position[$0] ?? 0 }, clusterID: clusterID,
                        membersVersion: membersVersion)
    }
}

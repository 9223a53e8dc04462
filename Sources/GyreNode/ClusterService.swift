import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

/// The read-only `gyre.v1.Cluster` service: the node's counters (Stats).
///
/// Contract: Stats answers a snapshot of ``NodeMetrics`` plus the gauges `rpc.in_flight`
/// (requests being processed) and `storage.keys` (records held).
struct ClusterService {
    let snapshot: @Sendable () -> NodeStats

    func register(into router: inout RPCRouter) {
        let snapshot = self.snapshot
        router.register("/gyre.v1.Cluster/Stats") { call, bytes in
            do throws(WireError) {
                _ = try StatsRequest.decode(bytes)
            } catch {
                return call.fail(RPCError(.invalidArgument, error.description))
            }
            call.respond(snapshot().encodeFramed())
        }
    }
}

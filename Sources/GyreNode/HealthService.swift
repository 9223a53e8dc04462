import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire
import Synchronization

/// The standard `grpc.health.v1.Health` service (Check).
///
/// Contract: `Check` answers SERVING for the whole node ("") and for each service the node
/// serves once the cluster has formed, NOT_SERVING while it forms and once shutdown has begun,
/// and NOT_FOUND for any other service name. The pseudo-service `gyre.storage.write` reports
/// the store's writes: NOT_SERVING while a write fault lasts (disk full, I/O error), when the
/// node still serves reads, so the node as a whole stays SERVING. `Watch` is not offered (UNIMPLEMENTED, which the health protocol allows).
final class HealthService: Sendable {
    static let services: Set<String> = ["", "gyre.v1.KV", "gyre.v1.Cluster", "grpc.health.v1.Health", storageWrites]
    /// The health name of the store's writes.
    static let storageWrites = "gyre.storage.write"
    private let serving = Atomic<Bool>(true)
    private let writesHealthy: @Sendable () -> Bool

    init(writesHealthy: @escaping @Sendable () -> Bool = { true }) {
        self.writesHealthy = writesHealthy
    }
    private let stopping = Atomic<Bool>(false)

    func register(into router: inout RPCRouter) {
        // Its own small budget: a saturated or attacked node still answers its health checks.
        router.register("/grpc.health.v1.Health/Check", budget: .health) { [self] call, bytes in check(call, bytes) }
    }

    /// The cluster is forming: not serving yet.
    func setForming() { serving.store(false, ordering: .relaxed) }

    /// The cluster formed (ignored once shutdown began).
    func setServing() {
        if !stopping.load(ordering: .relaxed) { serving.store(true, ordering: .relaxed) }
    }

    /// Whether Check answers SERVING for the node.
    var isServing: Bool { serving.load(ordering: .relaxed) }

    /// Shutdown began.
    func setNotServing() {
        stopping.store(true, ordering: .relaxed)
        serving.store(false, ordering: .relaxed)
    }

    private func check(_ call: ServerCall, _ bytes: [UInt8]) {
        let request: HealthCheckRequest
        do {
            request = try HealthCheckRequest.decode(bytes)
        } catch {
            return call.fail(RPCError(.invalidArgument, error.description))
        }
        guard Self.services.contains(request.service) else {
            return call.fail(RPCError(.notFound, "unknown service \(request.service)"))
        }
        var up = serving.load(ordering: .relaxed)
        if request.service == Self.storageWrites { up = up && writesHealthy() }
        let status: ServingStatus = up ? .serving : .notServing
        call.respond(HealthCheckResponse(status: status).encodeFramed())
    }
}

import GyreCore
import GyreHTTP2
import GyreModel
import GyrePipeline
import GyreRPC
import GyreStorage
import GyreWire

/// The node-to-node `gyre.v1.Replica` service, served on the peer address only: the transport
/// half of the pipeline's ``ReplicaHandler``.
///
/// Contract: every call but Identify is first authorized (``PeerAuthorization``) and must carry
/// this cluster's id (`gyre-cluster-id`): another cluster's node gets FAILED_PRECONDITION; before
/// the cluster formed, UNAVAILABLE. Then the handler's checks apply (target node, ring epoch,
/// each item's partition; see ``ReplicaHandler``), and malformed protobuf is INVALID_ARGUMENT.
/// Identify answers the cluster's id and secret (before formation, this node's proposals), the
/// ring epoch and whether the caller is a member, to whoever the authorization admits as a peer.
struct ReplicaService {
    let handler: ReplicaHandler<CausalVersioning>
    let state: ClusterState
    let authorization: PeerAuthorization
    let detector: FailureDetector
    /// This node's Stats, for the other members' admin pages.
    let stats: @Sendable () -> NodeStats

    func register(into router: inout RPCRouter) {
        let service = self
        router.register(ReplicaPaths.get) { call, bytes in service.get(call, bytes) }
        router.register(ReplicaPaths.put) { call, bytes in service.put(call, bytes) }
        router.register(ReplicaPaths.coordinate) { call, bytes in service.coordinate(call, bytes) }
        router.register(ReplicaPaths.identify) { call, bytes in service.identify(call, bytes) }
        router.register(ReplicaPaths.batch) { call, bytes in service.batch(call, bytes) }
        router.register(ReplicaPaths.hintPut) { call, bytes in service.hintPut(call, bytes) }
        router.register(ReplicaPaths.gossip) { call, bytes in service.gossip(call, bytes) }
        router.register(ReplicaPaths.stats) { call, bytes in
            guard service.admit(call) != nil, let _: StatsRequest = RequestChecks.decode(call, bytes) else { return }
            call.respond(service.stats().encodeFramed())
        }
    }

    /// The view `call` may act under: an authenticated member of this cluster, calling this node
    /// under a ring at least as new. Nil when refused (the call has been answered).
    private func admit(_ call: ServerCall) -> ClusterView? {
        guard authorization.admitsMember(call) else { return nil }
        let metadata = call.head.metadata
        if let view = state.currentView, metadata[PeerClient.clusterHeader] != view.clusterIDText {
            let theirs = metadata[PeerClient.clusterHeader] ?? "none"
            call.fail(RPCError(.failedPrecondition, "cluster id mismatch: this node is in cluster \(view.clusterID), the caller in \(theirs)"))
            return nil
        }
        let header = ReplicaHandler<CausalVersioning>.CallHeader(
            target: metadata[PeerClient.toHeader].flatMap(NodeID.init),
            senderEpoch: metadata[PeerClient.epochHeader].flatMap { UInt64($0) } ?? 0)
        switch handler.admit(header) {
        case let .success(view):
            return view
        case let .failure(error):
            call.fail(error)
            return nil
        }
    }

    private func get(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let view = admit(call), let request: ReplicaGetRequest = RequestChecks.decode(call, bytes) else { return }
        handler.get(request, view: view) { Self.answer(call, $0) }
    }

    private func put(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let view = admit(call), let request: ReplicaPutRequest = RequestChecks.decode(call, bytes) else { return }
        handler.put(request, view: view) { Self.answer(call, $0) }
    }

    private func batch(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let view = admit(call), let request: ReplicaBatchRequest = RequestChecks.decode(call, bytes) else { return }
        handler.batch(request, view: view) { Self.answer(call, $0) }
    }

    private func hintPut(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let view = admit(call), let request: HintPutRequest = RequestChecks.decode(call, bytes) else { return }
        handler.hintPut(request, view: view) { Self.answer(call, $0) }
    }

    /// A failure detector message: from an authenticated member of this cluster (no ring-epoch
    /// check: members gossip across ring changes); the sender is the caller's `gyre-from`.
    private func gossip(_ call: ServerCall, _ bytes: [UInt8]) {
        guard authorization.admitsMember(call) else { return }
        let metadata = call.head.metadata
        guard let view = state.currentView else {
            return call.fail(RPCError(.unavailable, "the failure detector has not started: the cluster is still forming"))
        }
        guard metadata[PeerClient.clusterHeader] == view.clusterIDText else {
            return call.fail(RPCError(.failedPrecondition, "cluster id mismatch: this node is in cluster \(view.clusterID)"))
        }
        guard let sender = metadata[PeerClient.fromHeader].flatMap(NodeID.init), view.member(sender) != nil else {
            return call.fail(RPCError(.failedPrecondition, "gossip from a node that is not a member"))
        }
        guard let message: SWIMMessage = RequestChecks.decode(call, bytes) else { return }
        switch detector.receive(message, from: sender) {
        case .accepted:
            call.respond(GossipResponse().encodeFramed())
        case .notStarted:
            call.fail(RPCError(.unavailable, "the failure detector has not started"))
        case let .refused(refusal):
            let code: StatusCode = switch refusal {
            case .unknownSender, .unknownTarget: .failedPrecondition
            case .tooManyRelayedProbes: .resourceExhausted
            case .tooManyUpdates, .tooManyAccusers, .incarnationOutOfRange: .invalidArgument
            }
            call.fail(RPCError(code, "gossip refused, nothing changed: \(refusal)"))
        }
    }

    private func coordinate(_ call: ServerCall, _ bytes: [UInt8]) {
        guard admit(call) != nil, let request: CoordinateRequest = RequestChecks.decode(call, bytes) else { return }
        handler.coordinate(request, responder: CallResponder(call: call, format: .forwarded))
    }

    private static func answer<Response: WireMessage>(_ call: ServerCall, _ result: Result<Response, RPCError>) {
        switch result {
        case let .success(response): call.respond(response.encodeFramed())
        case let .failure(error): call.fail(error)
        }
    }

    private func identify(_ call: ServerCall, _ bytes: [UInt8]) {
        guard authorization.admitsPeer(call), let _: IdentifyRequest = RequestChecks.decode(call, bytes) else { return }
        guard !state.me.peerAddress.isEmpty else {
            // Still binding: answering now would advertise a member without addresses.
            return call.fail(RPCError(.unavailable, "the node is still starting"))
        }
        let view = state.currentView
        let caller = call.head.metadata[PeerClient.fromHeader].flatMap(NodeID.init)
        call.respond(IdentifyResponse(member: state.me, clusterID: view?.clusterID ?? state.proposedClusterID,
                                      partitionCount: UInt32(state.configuration.partitionCount),
                                      clusterSecret: view?.secret ?? state.proposedSecret,
                                      ringEpoch: view?.ring.epoch ?? 0,
                                      callerIsMember: caller.map { view?.member($0) != nil } ?? false).encodeFramed())
    }
}

import GyreModel
import GyrePipeline
import NIOCore

/// The pipeline's ``ReplicaTransport`` over HTTP/2: each call goes to the member's peer address
/// through the node's current ``PeerClient`` (which adds the cluster id, `gyre-from`, `gyre-to`
/// and `gyre-ring-epoch`), with the time left before its deadline as `grpc-timeout`.
///
/// Contract: thread-safe; every completion runs exactly once (the client's own contract).
struct PeerTransport: ReplicaTransport {
    let peers: SharedPeerClient

    func get(_ member: Member, epoch: UInt64, _ request: ReplicaGetRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void) {
        peers.value.call(member, epoch: epoch, ReplicaPaths.get, request, as: ReplicaGetResponse.self,
                         timeoutNanoseconds: Self.timeout(until: deadline), completion: completion)
    }

    func put(_ member: Member, epoch: UInt64, _ request: ReplicaPutRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaPutResponse, PeerFailure>) -> Void) {
        peers.value.call(member, epoch: epoch, ReplicaPaths.put, request, as: ReplicaPutResponse.self,
                         timeoutNanoseconds: Self.timeout(until: deadline), completion: completion)
    }

    func batch(_ member: Member, epoch: UInt64, _ request: ReplicaBatchRequest, deadline: UInt64,
               completion: @escaping @Sendable (Result<ReplicaBatchResponse, PeerFailure>) -> Void) {
        peers.value.call(member, epoch: epoch, ReplicaPaths.batch, request, as: ReplicaBatchResponse.self,
                         timeoutNanoseconds: Self.timeout(until: deadline), completion: completion)
    }

    func coordinate(_ member: Member, epoch: UInt64, _ request: CoordinateRequest, deadline: UInt64,
                    completion: @escaping @Sendable (Result<CoordinateResponse, PeerFailure>) -> Void) {
        peers.value.call(member, epoch: epoch, ReplicaPaths.coordinate, request, as: CoordinateResponse.self,
                         timeoutNanoseconds: Self.timeout(until: deadline), completion: completion)
    }

    func hintPut(_ member: Member, epoch: UInt64, _ request: HintPutRequest, deadline: UInt64,
                 completion: @escaping @Sendable (Result<HintPutResponse, PeerFailure>) -> Void) {
        peers.value.call(member, epoch: epoch, ReplicaPaths.hintPut, request, as: HintPutResponse.self,
                         timeoutNanoseconds: Self.timeout(until: deadline), completion: completion)
    }

    /// At least 1 ns: a deadline already passed still makes one (failing) attempt's worth.
    private static func timeout(until deadline: UInt64) -> UInt64 {
        let now = NIODeadline.now().uptimeNanoseconds
        return deadline > now ? deadline - now : 1
    }
}

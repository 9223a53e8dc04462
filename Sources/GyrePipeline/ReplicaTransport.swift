public import GyreModel
public import GyreRPC

/// How the pipeline reaches other nodes' Replica service: one call per method, each with one
/// completion. The node plugs in its HTTP/2 peer client; the simulation its simulated network.
///
/// Contract: thread-safe. Every call names the member called (its id travels as `gyre-to`, its
/// peer address is where to connect) and the epoch of the ring it was routed by
/// (`gyre-ring-epoch`), and ends by its `deadline` (the pipeline's clock): `completion` runs
/// exactly once, on any thread, with the answer or a ``PeerFailure``: a refused connection, a
/// lost one, the deadline, an error status, an undecodable answer.
public protocol ReplicaTransport: Sendable {
    func get(_ member: Member, epoch: UInt64, _ request: ReplicaGetRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaGetResponse, PeerFailure>) -> Void)
    func put(_ member: Member, epoch: UInt64, _ request: ReplicaPutRequest, deadline: UInt64,
             completion: @escaping @Sendable (Result<ReplicaPutResponse, PeerFailure>) -> Void)
    func batch(_ member: Member, epoch: UInt64, _ request: ReplicaBatchRequest, deadline: UInt64,
               completion: @escaping @Sendable (Result<ReplicaBatchResponse, PeerFailure>) -> Void)
    func coordinate(_ member: Member, epoch: UInt64, _ request: CoordinateRequest, deadline: UInt64,
                    completion: @escaping @Sendable (Result<CoordinateResponse, PeerFailure>) -> Void)
    func hintPut(_ member: Member, epoch: UInt64, _ request: HintPutRequest, deadline: UInt64,
                 completion: @escaping @Sendable (Result<HintPutResponse, PeerFailure>) -> Void)
}

/// A failed call to a peer: the error, and whether the peer certainly did not process it (so a
/// write may be retried on another node without risk of applying it twice).
public struct PeerFailure: Error, Sendable {
    public let error: RPCError
    public let notProcessed: Bool

    public init(_ error: RPCError, notProcessed: Bool) {
        self.error = error
        self.notProcessed = notProcessed
    }
}

public import GyreModel
public import GyreRPC

/// A ``KVResponder`` for a request another node forwarded (`Replica.Coordinate`) over an
/// in-process transport: hands the answer back as the `CoordinateResponse` the forwarding node
/// expects, or the error. Used where no wire sits between the nodes (the simulation, the
/// micro-benchmarks); a real node frames the same answers in its `ServerCall`.
///
/// Contract: ``answer(_:)`` and ``fail(_:)`` each call `answer` once with the result.
public struct ForwardedResponder: KVResponder {
    public let deadline: UInt64?
    let answer: @Sendable (Result<CoordinateResponse, RPCError>) -> Void

    public init(deadline: UInt64?, answer: @escaping @Sendable (Result<CoordinateResponse, RPCError>) -> Void) {
        self.deadline = deadline
        self.answer = answer
    }

    public func answer(_ reply: KVReply) {
        switch reply {
        case let .get(response): answer(.success(CoordinateResponse(result: .get(response))))
        case let .put(response): answer(.success(CoordinateResponse(result: .put(response))))
        case let .delete(response): answer(.success(CoordinateResponse(result: .delete(response))))
        }
    }

    public func fail(_ error: RPCError) { answer(.failure(error)) }
}

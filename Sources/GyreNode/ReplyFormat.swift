import GyreModel
import GyreWire

/// How a coordinated request's answer is framed for whoever asked: a client (`KV` messages) or
/// a forwarding node (`Replica.Coordinate` wraps them in a `CoordinateResponse`).
///
/// Contract: each closure returns one framed gRPC message.
struct ReplyFormat: Sendable {
    let get: @Sendable (GetResponse) -> [UInt8]
    let put: @Sendable (PutResponse) -> [UInt8]
    let delete: @Sendable (DeleteResponse) -> [UInt8]

    static let client = ReplyFormat(get: { $0.encodeFramed() }, put: { $0.encodeFramed() },
                                    delete: { $0.encodeFramed() })
    static let forwarded = ReplyFormat(get: { CoordinateResponse(result: .get($0)).encodeFramed() },
                                       put: { CoordinateResponse(result: .put($0)).encodeFramed() },
                                       delete: { CoordinateResponse(result: .delete($0)).encodeFramed() })
}

import GyreHTTP2
import GyreModel
import GyrePipeline
import GyreRPC
import GyreWire

/// The `gyre.v1.KV` service: Get, Put and Delete, decoded here and handed to the pipeline's
/// ``RequestRouter`` (which checks them, then coordinates here or forwards).
///
/// Contract: malformed protobuf is INVALID_ARGUMENT before anything else; a get of a missing or
/// deleted key answers OK with no values and a context.
struct KVService {
    let router: RequestRouter<CausalVersioning>

    func register(into router: inout RPCRouter, wrap: (@escaping RegisteredMethod.Handler) -> RegisteredMethod.Handler) {
        let service = self
        router.register("/gyre.v1.KV/Get", handler: wrap { call, bytes in service.get(call, bytes) })
        router.register("/gyre.v1.KV/Put", handler: wrap { call, bytes in service.put(call, bytes) })
        router.register("/gyre.v1.KV/Delete", handler: wrap { call, bytes in service.delete(call, bytes) })
    }

    func get(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: GetRequest = RequestChecks.decode(call, bytes) else { return }
        router.get(request, hops: 0, responder: CallResponder(call: call, format: .client))
    }

    func put(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: PutRequest = RequestChecks.decode(call, bytes) else { return }
        router.put(request, hops: 0, responder: CallResponder(call: call, format: .client))
    }

    func delete(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: DeleteRequest = RequestChecks.decode(call, bytes) else { return }
        router.delete(request, hops: 0, responder: CallResponder(call: call, format: .client))
    }
}

/// Decoding a request, answering the call itself when it fails.
enum RequestChecks {
    static func decode<Message: WireMessage>(_ call: ServerCall, _ bytes: [UInt8]) -> Message? {
        do {
            return try Message.decode(bytes)
        } catch {
            call.fail(RPCError(.invalidArgument, error.description))
            return nil
        }
    }
}

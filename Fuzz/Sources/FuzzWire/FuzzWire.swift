import CFuzzDriver
import FuzzSupport
import GyreModel
import GyreRPC
import GyreWire

// Fuzz target: GyreWire's protobuf-c bridge. The input is decoded as every request and
// response message the node decodes or encodes (KV, Cluster, Health, Replica with Batch and
// Identify). Where a decode succeeds, the message is encoded and decoded again and must come
// back equal, the encoding must be stable, and `encodeFramed()` must be the framed encoding.
// libFuzzer's own buffer is passed to the decoder (no copy), so AddressSanitizer sees any read
// past its end.

private func check<Message: WireMessage & Equatable>(_: Message.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let message = try? Message.decode(bytes) else { return }
    let encoded = message.encode()
    let again: Message
    do {
        again = try Message.decode(encoded)
    } catch {
        FuzzCheck.require(false, "\(Message.self): its own encoding does not decode: \(error)")
        return
    }
    FuzzCheck.require(again == message, "\(Message.self): \(message) came back as \(again)")
    FuzzCheck.require(again.encode() == encoded, "\(Message.self): encoding not stable")
    FuzzCheck.require(message.encodeFramed() == MessageFraming.frame(encoded), "\(Message.self): framed encoding differs")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    // KV
    check(GetRequest.self, bytes)
    check(GetResponse.self, bytes)
    check(PutRequest.self, bytes)
    check(PutResponse.self, bytes)
    check(DeleteRequest.self, bytes)
    check(DeleteResponse.self, bytes)
    // Cluster
    check(StatsRequest.self, bytes)
    check(NodeStats.self, bytes)
    check(RingRequest.self, bytes)
    check(RingInfo.self, bytes)
    // Health
    check(HealthCheckRequest.self, bytes)
    check(HealthCheckResponse.self, bytes)
    // Replica
    check(ReplicaGetRequest.self, bytes)
    check(ReplicaGetResponse.self, bytes)
    check(ReplicaPutRequest.self, bytes)
    check(ReplicaPutResponse.self, bytes)
    check(ReplicaBatchRequest.self, bytes)
    check(ReplicaBatchResponse.self, bytes)
    check(CoordinateRequest.self, bytes)
    check(CoordinateResponse.self, bytes)
    check(IdentifyRequest.self, bytes)
    check(IdentifyResponse.self, bytes)
    return 0
}

@main
enum FuzzWireMain {
    static func main() { gyre_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzWire) }
}

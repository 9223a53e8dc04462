import GyreModel
import GyreWire

/// GyreWire's protobuf-c codec on the messages of the hot paths: a client's Put (key, 100-byte
/// value, a 3-actor context), a Get's answer (one value, the context, 2 replicas) and a
/// `Replica.Batch` of 8 replica puts (each a 17-byte key and the ~150-byte encoded version set a
/// coordinator sends), as the batcher sends them to one peer.
enum CodecPaths {
    static let putRequest = PutRequest(key: Samples.key, value: Samples.value, context: Samples.context)
    static let getResponse = GetResponse(values: [Samples.value], context: Samples.context, replicas: 2, ringEpoch: 1)
    static let batch = ReplicaBatchRequest(puts: (0..<8).map { index in
        ReplicaPutRequest(key: Key("user:00000000004\(index)"), partition: 1000 + UInt32(index),
                          versionSet: Samples.newer.encode())
    })

    static let all: [HotPath] = [
        encode("PutRequest.encode", putRequest),
        decode("PutRequest.decode", putRequest),
        encode("GetResponse.encode", getResponse),
        decode("GetResponse.decode", getResponse),
        encode("ReplicaBatchRequest.encode (8 puts)", batch),
        decode("ReplicaBatchRequest.decode (8 puts)", batch),
    ]

    private static func encode(_ name: String, _ message: some WireMessage) -> HotPath {
        HotPath(name, .codec) { Iteration { consume(message.encode()) } }
    }

    private static func decode<Message: WireMessage & Equatable>(_ name: String, _ message: Message) -> HotPath {
        HotPath(name, .codec) {
            let bytes = message.encode()
            guard try Message.decode(bytes) == message else { throw BenchError("\(name): the round trip changed the message") }
            return Iteration { consume(try? Message.decode(bytes)) }
        }
    }
}

/// A fixture that could not be built.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

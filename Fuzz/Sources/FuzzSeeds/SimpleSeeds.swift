import GyreModel
import GyreRPC
import GyreWire

// Seeds of the targets that parse one value: the deframer, the request head, the protobuf
// bridge and the causal encodings. Each is (file name, bytes).

let sampleKey = Key("user:42")
let actorA = NodeID(high: 0x0000_0000_0000_0001, low: 0x8000_0000_0000_00FF)
let actorB = NodeID(high: 0x7F00_0000_0000_0000, low: 0x0000_0000_0000_0002)

func deframerSeeds() -> [(String, [UInt8])] {
    let get = GetRequest(key: sampleKey, r: 2).encodeFramed()
    let put = PutRequest(key: sampleKey, value: Array("hello".utf8), context: CausalContext([0x11, 0]), w: 2).encodeFramed()
    let empty = MessageFraming.frame([])
    return [
        ("one-message", [3] + get),
        ("two-messages", [UInt8(get.count + 2)] + get + put),
        ("empty-message", [0] + empty + empty),
        ("truncated", [9] + Array(put.dropLast(3))),
        ("compressed-flag", [2, 1, 0, 0, 0, 1, 0]),
        ("too-large", [1, 0, 0, 0, 0x10, 0]),
        ("bad-flag", [0, 7, 0, 0, 0, 0]),
    ]
}

/// `len name len value` per field, one-byte lengths.
func headerList(_ fields: [(String, String)]) -> [UInt8] {
    var bytes: [UInt8] = []
    for (name, value) in fields {
        bytes.append(UInt8(name.utf8.count))
        bytes += name.utf8
        bytes.append(UInt8(value.utf8.count))
        bytes += value.utf8
    }
    return bytes
}

func requestHeadSeeds() -> [(String, [UInt8])] {
    let valid: [(String, String)] = [
        (":method", "POST"), (":scheme", "http"), (":path", "/gyre.v1.KV/Get"), (":authority", "127.0.0.1:7100"),
        ("content-type", "application/grpc"), ("te", "trailers"), ("grpc-timeout", "250m"),
        ("user-agent", "grpc-python/1.85.1"), ("grpc-accept-encoding", "identity,deflate,gzip"),
        ("gyre-test-delay-ms", "5"), ("trace-bin", "AAEC"),
    ]
    return [
        ("valid", headerList(valid)),
        ("unknown-path", headerList([(":method", "POST"), (":path", "/gyre.v1.KV/Nope"), ("content-type", "application/grpc+proto")])),
        ("get-method", headerList([(":method", "GET"), (":path", "/gyre.v1.KV/Put"), ("content-type", "application/grpc")])),
        ("grpc-web", headerList([(":method", "POST"), (":path", "/fuzz.Test/Echo"), ("content-type", "application/grpc-web")])),
        ("gzip", headerList([(":method", "POST"), (":path", "/gyre.v1.KV/Delete"), ("content-type", "application/grpc;x=1"),
                             ("grpc-encoding", "gzip")])),
        ("bad-timeout", headerList([(":method", "POST"), (":path", "/gyre.v1.KV/Get"), ("content-type", "application/grpc"),
                                    ("grpc-timeout", "123456789S")])),
        ("no-path", headerList([(":method", "POST"), ("content-type", "application/grpc"), ("content-length", "12")])),
    ]
}

func wireSeeds() -> [(String, [UInt8])] {
    let member = Member(id: actorA, weight: 2, clientAddress: "127.0.0.1:7100", peerAddress: "[::1]:7200")
    let cluster = ClusterID(uuid: actorB)
    let versionSet = VersionSet(value: .value(Array("v".utf8))).updated(context: VersionVector(), value: .tombstone, actor: actorA).encode()
    return [
        ("kv-get-request", GetRequest(key: sampleKey, r: 2).encode()),
        ("kv-get-response", GetResponse(values: [[1, 2, 3], [], Array("x".utf8)], context: CausalContext([0x11, 1]), replicas: 3).encode()),
        ("kv-put-request", PutRequest(key: sampleKey, value: [0, 0x80, 0xFF], context: CausalContext([9]), w: 1).encode()),
        ("kv-put-response", PutResponse(context: CausalContext([1, 2]), replicas: 2).encode()),
        ("kv-delete-request", DeleteRequest(key: sampleKey, context: CausalContext([7]), w: 3).encode()),
        ("kv-delete-response", DeleteResponse(replicas: 300).encode()),
        ("cluster-stats", NodeStats(nodeID: "node-1", counters: [.init(name: "rpc.KV.Get.OK", value: 42),
                                                                .init(name: "kv.expired_writes_skipped", value: .max)]).encode()),
        ("cluster-ring", RingInfo(epoch: 3, partitionCount: 8, replication: 2, members: [member, Member(id: actorB)],
                                  owners: [0, 1, 0, 1, 0, 1, 1, 0], clusterID: cluster).encode()),
        ("health-request", HealthCheckRequest(service: "gyre.storage.write").encode()),
        ("health-response", HealthCheckResponse(status: .notServing).encode()),
        ("replica-get-request", ReplicaGetRequest(key: sampleKey, partition: 1023).encode()),
        ("replica-get-response", ReplicaGetResponse(versionSet: versionSet).encode()),
        ("replica-put-request", ReplicaPutRequest(key: sampleKey, partition: 7, versionSet: versionSet, repair: true).encode()),
        ("replica-batch-request", ReplicaBatchRequest(gets: [ReplicaGetRequest(key: Key("a"), partition: 1)],
                                                      puts: [ReplicaPutRequest(key: Key("b"), partition: 2, versionSet: versionSet)]).encode()),
        ("replica-batch-response", ReplicaBatchResponse(gets: [ReplicaItemResult(versionSet: versionSet), ReplicaItemResult()],
                                                        puts: [ReplicaItemResult(code: 14, message: "storage write fault")]).encode()),
        ("replica-coordinate-request", CoordinateRequest(operation: .put(PutRequest(key: sampleKey, value: [1], w: 2)), hops: 1).encode()),
        ("replica-coordinate-response", CoordinateResponse(result: .get(GetResponse(values: [[5]], context: CausalContext([0x11]),
                                                                                   replicas: 2))).encode()),
        ("replica-identify-response", IdentifyResponse(member: member, clusterID: cluster, partitionCount: 4096).encode()),
    ]
}

func versionSetSeeds() -> [(String, [UInt8])] {
    let first = VersionSet(value: .value(Array("one".utf8))).updated(context: VersionVector(), value: .value([1]), actor: actorA)
    let second = first.updated(context: VersionVector(), value: .value(Array("two".utf8)), actor: actorB)
    let deleted = second.updated(context: second.context, value: .tombstone, actor: actorA)
    let anonymous = VersionSet(context: second.context, value: .value([9, 9]))
    return [
        ("set-empty", VersionSet().encode()),
        ("set-one", first.encode()),
        ("set-siblings", second.encode()),
        ("set-tombstone", deleted.encode()),
        ("set-anonymous", anonymous.encode()),
        ("vector-two", second.context.encode()),
        ("vector-large-counter", VersionVector([(actorA, VersionVector.maxCounter)]).encode()),
    ]
}

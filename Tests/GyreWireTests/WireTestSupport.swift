import GyreModel
import GyreWire

// Shared fixtures for the GyreWire tests: every message type, sample messages of each, and a
// tiny reference protobuf writer to check encodings byte for byte.

/// A wire message that tests can compare.
typealias TestMessage = WireMessage & Equatable

/// Every message type GyreWire converts.
let allMessageTypes: [any TestMessage.Type] = [
    GetRequest.self, GetResponse.self, PutRequest.self, PutResponse.self,
    DeleteRequest.self, DeleteResponse.self, StatsRequest.self, NodeStats.self,
    HealthCheckRequest.self, HealthCheckResponse.self,
    ReplicaGetRequest.self, ReplicaGetResponse.self, ReplicaPutRequest.self, ReplicaPutResponse.self,
    CoordinateRequest.self, CoordinateResponse.self, IdentifyRequest.self, IdentifyResponse.self,
    ReplicaBatchRequest.self, ReplicaBatchResponse.self,
    HintPutRequest.self, SWIMMessage.self, GossipResponse.self, MembersRequest.self, MembersResponse.self,
]

/// Bytes that include zeros, 0x80 (a varint continuation bit) and 0xFF.
let awkwardBytes: [UInt8] = [0, 1, 0, 0x80, 0xFF, 0x7F, 0, 0x0A, 0x12, 0]

/// A mix of unicode scripts, combining marks and emoji.
let unicodeText = "héllo wörld — 日本語 🌀 e\u{301} 𝄞"

/// A node id whose bytes include 0x00, 0x80 and 0xFF.
let sampleNodeID = NodeID(high: 0x0080_FF00_1234_4ABC, low: 0x8000_0000_0000_00FF)

/// A cluster id with leading zero bytes.
let sampleClusterID = ClusterID(uuid: NodeID(high: 0, low: 0x0A12))
let sampleSecret = ClusterSecret(bytes: (0..<32).map { UInt8($0 * 7 + 1) })!

/// Small and medium samples of every message type, with empty and non-empty fields.
///
/// New samples go at the end: the mutation test seeds its generator with the sample's index.
let sampleMessages: [any TestMessage] = [
    GetRequest(key: Key("k")),
    GetRequest(key: Key(awkwardBytes), r: 3),
    GetRequest(key: Key([]), r: UInt32.max),
    GetResponse(values: [], context: .none, replicas: 0),
    GetResponse(values: [[1, 2, 3], [], awkwardBytes], context: CausalContext(awkwardBytes), replicas: 2),
    GetResponse(values: (0..<20).map { [UInt8](repeating: UInt8($0), count: $0) },
                context: CausalContext([9]), replicas: 3),
    PutRequest(key: Key("key"), value: Array("value".utf8)),
    PutRequest(key: Key(awkwardBytes), value: awkwardBytes, context: CausalContext([0, 0]), w: 2),
    PutRequest(key: Key([0]), value: [], context: .none, w: 0),
    PutResponse(context: CausalContext([1, 2, 3, 4]), replicas: 3),
    PutResponse(context: .none, replicas: 0),
    DeleteRequest(key: Key("gone"), context: CausalContext(awkwardBytes), w: 1),
    DeleteRequest(key: Key([0xFF])),
    DeleteResponse(replicas: 0),
    DeleteResponse(replicas: 300),
    StatsRequest(),
    NodeStats(nodeID: "", counters: []),
    NodeStats(nodeID: "node-1", counters: [
        .init(name: "rpc.KV.Put.status.OK", value: 42),
        .init(name: "", value: 0),
        .init(name: unicodeText, value: UInt64.max),
    ]),
    HealthCheckRequest(),
    HealthCheckRequest(service: "gyre.v1.KV"),
    HealthCheckRequest(service: unicodeText),
    HealthCheckResponse(status: .unknown),
    HealthCheckResponse(status: .serving),
    HealthCheckResponse(status: .notServing),
    HealthCheckResponse(status: .serviceUnknown),
    ReplicaGetRequest(key: Key("k"), partition: 0),
    ReplicaGetRequest(key: Key(awkwardBytes), partition: UInt32.max),
    ReplicaGetResponse(versionSet: nil),
    ReplicaGetResponse(versionSet: []),
    ReplicaGetResponse(versionSet: awkwardBytes),
    ReplicaPutRequest(key: Key("k"), partition: 7, versionSet: [1, 2, 3]),
    ReplicaPutRequest(key: Key(awkwardBytes), partition: 1_023, versionSet: awkwardBytes, repair: true),
    ReplicaPutRequest(key: Key([]), partition: 0, versionSet: []),
    ReplicaPutResponse(),
    CoordinateRequest(operation: .get(GetRequest(key: Key("k"), r: 2))),
    CoordinateRequest(operation: .get(GetRequest(key: Key([])))),
    CoordinateRequest(operation: .put(PutRequest(key: Key(awkwardBytes), value: awkwardBytes,
                                                 context: CausalContext([1]), w: 2)), hops: 1),
    CoordinateRequest(operation: .put(PutRequest(key: Key([]), value: []))),
    CoordinateRequest(operation: .delete(DeleteRequest(key: Key("gone"), context: CausalContext(awkwardBytes), w: 1)),
                      hops: UInt32.max),
    CoordinateResponse(result: .get(GetResponse(values: [[1, 2], [], awkwardBytes], context: CausalContext([5]),
                                                replicas: 2))),
    CoordinateResponse(result: .get(GetResponse(values: [], context: .none, replicas: 0))),
    CoordinateResponse(result: .get(GetResponse(values: (0..<20).map { [UInt8](repeating: UInt8($0), count: $0) },
                                                context: CausalContext(awkwardBytes), replicas: 3))),
    CoordinateResponse(result: .put(PutResponse(context: CausalContext([1, 2]), replicas: 3))),
    CoordinateResponse(result: .put(PutResponse(context: .none, replicas: 0))),
    CoordinateResponse(result: .delete(DeleteResponse(replicas: 0))),
    CoordinateResponse(result: .delete(DeleteResponse(replicas: 300))),
    IdentifyRequest(),
    IdentifyResponse(member: Member(id: sampleNodeID, weight: 2, clientAddress: "127.0.0.1:7000",
                                    peerAddress: "[::1]:7100"),
                     clusterID: sampleClusterID, partitionCount: 1_024, clusterSecret: sampleSecret),
    IdentifyResponse(member: Member(id: NodeID(high: 0, low: 0)), clusterID: ClusterID(uuid: NodeID(high: .max, low: .max)),
                     partitionCount: 0, clusterSecret: ClusterSecret(bytes: [UInt8](repeating: 0, count: 32))!),
    IdentifyResponse(member: Member(id: sampleNodeID, weight: .max, clientAddress: unicodeText, peerAddress: ""),
                     clusterID: sampleClusterID, partitionCount: .max,
                     clusterSecret: ClusterSecret(bytes: [UInt8](repeating: 0xFF, count: 32))!),
    ReplicaBatchRequest(),
    ReplicaBatchRequest(gets: [ReplicaGetRequest(key: Key("a"), partition: 1), ReplicaGetRequest(key: Key([]), partition: 0)],
                        puts: [ReplicaPutRequest(key: Key(awkwardBytes), partition: UInt32.max, versionSet: awkwardBytes,
                                                 repair: true)]),
    ReplicaBatchRequest(puts: [ReplicaPutRequest(key: Key("p"), partition: 7, versionSet: [])]),
    ReplicaBatchResponse(),
    ReplicaBatchResponse(gets: [ReplicaItemResult(versionSet: awkwardBytes), ReplicaItemResult(),
                                ReplicaItemResult(versionSet: []), ReplicaItemResult(code: 13, message: unicodeText)],
                         puts: [ReplicaItemResult(), ReplicaItemResult(code: 4, message: "late")]),
    PutRequest(key: Key("s"), value: [1], context: .none, w: 2, strictQuorum: true),
    PutResponse(context: .none, replicas: 2, values: [[1]], ringEpoch: 3, hinted: 2),
    DeleteRequest(key: Key("d"), context: .none, w: 1, strictQuorum: true),
    DeleteResponse(replicas: 3, ringEpoch: 1, hinted: 1),
    GetResponse(values: [[2]], context: .none, replicas: 2, ringEpoch: 4, hinted: 1),
    SWIMMessage.ping(probe: 0, updates: []),
    SWIMMessage.ping(probe: UInt64.max, updates: [.alive(sampleNodeID, 0), .dead(sampleNodeID, 1 << 62)]),
    SWIMMessage.pingRequest(probe: 3, target: sampleNodeID, updates: [.suspect(sampleNodeID, 7, by: [sampleNodeID])]),
    SWIMMessage.ack(probe: 4, target: sampleNodeID, incarnation: 9, updates: []),
    SWIMMessage.nack(probe: 5, target: sampleNodeID, updates: [.alive(sampleNodeID, 2)]),
    SWIMMessage.sync(states: [.alive(sampleNodeID, 1), .suspect(sampleNodeID, 2, by: [sampleNodeID, sampleNodeID])]),
    SWIMMessage.syncReply(states: []),
    GossipResponse(),
    MembersRequest(),
    MembersResponse(nodeID: sampleNodeID, members: []),
    MembersResponse(nodeID: sampleNodeID, members: [
        .init(member: Member(id: sampleNodeID, weight: 2, clientAddress: "127.0.0.1:1", peerAddress: "127.0.0.1:2", name: unicodeText),
              state: .suspect, incarnation: 5, isSelf: true),
        .init(member: Member(id: sampleNodeID, peerAddress: "p"), state: .dead, incarnation: 0, isSelf: false),
    ]),
    HintPutRequest(key: Key(awkwardBytes), partition: 3, versionSet: awkwardBytes, owner: sampleNodeID),
]

/// Decodes `bytes` as the type of `message`, for opening an existential.
func decodeLike<M: TestMessage>(_ message: M, _ bytes: [UInt8]) throws(WireError) -> M {
    try M.decode(bytes)
}

// MARK: reference encoder

/// A minimal protobuf writer: canonical proto3 output (fields in order, defaults omitted).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ field: Int, wireType: Int) { varint(UInt64(field << 3 | wireType)) }

    /// A varint field, omitted when 0.
    mutating func field(_ field: Int, varint value: UInt64) {
        guard value != 0 else { return }
        tag(field, wireType: 0)
        varint(value)
    }

    /// A length-delimited field, omitted when empty unless `always` (repeated elements).
    mutating func field(_ field: Int, bytes value: [UInt8], always: Bool = false) {
        guard always || !value.isEmpty else { return }
        tag(field, wireType: 2)
        varint(UInt64(value.count))
        bytes += value
    }

    static func build(_ body: (inout ProtoWriter) -> Void) -> [UInt8] {
        var writer = ProtoWriter()
        body(&writer)
        return writer.bytes
    }
}

/// The canonical encoding of `message`, written independently of protobuf-c.
func referenceEncoding(of message: any WireMessage) -> [UInt8] {
    ProtoWriter.build { w in
        switch message {
        case let m as GetRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, varint: UInt64(m.r))
        case let m as GetResponse:
            for value in m.values { w.field(1, bytes: value, always: true) }
            w.field(2, bytes: m.context.bytes)
            w.field(3, varint: UInt64(m.replicas))
            w.field(4, varint: m.ringEpoch)
            w.field(5, varint: UInt64(m.hinted))
        case let m as PutRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, bytes: m.value)
            w.field(3, bytes: m.context.bytes)
            w.field(4, varint: UInt64(m.w))
            w.field(5, varint: m.strictQuorum ? 1 : 0)
        case let m as PutResponse:
            w.field(1, bytes: m.context.bytes)
            w.field(2, varint: UInt64(m.replicas))
            for value in m.values { w.field(3, bytes: value, always: true) }
            w.field(4, varint: m.ringEpoch)
            w.field(5, varint: UInt64(m.hinted))
        case let m as DeleteRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, bytes: m.context.bytes)
            w.field(3, varint: UInt64(m.w))
            w.field(4, varint: m.strictQuorum ? 1 : 0)
        case let m as DeleteResponse:
            w.field(1, varint: UInt64(m.replicas))
            w.field(2, varint: m.ringEpoch)
            w.field(3, varint: UInt64(m.hinted))
        case is StatsRequest:
            break
        case let m as NodeStats:
            w.field(1, bytes: Array(m.nodeID.utf8))
            for counter in m.counters {
                let inner = ProtoWriter.build { c in
                    c.field(1, bytes: Array(counter.name.utf8))
                    c.field(2, varint: counter.value)
                }
                w.field(2, bytes: inner, always: true)
            }
        case let m as HealthCheckRequest:
            w.field(1, bytes: Array(m.service.utf8))
        case let m as HealthCheckResponse:
            w.field(1, varint: UInt64(m.status.rawValue))
        case let m as ReplicaGetRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, varint: UInt64(m.partition))
        case let m as ReplicaGetResponse:
            w.field(1, varint: m.versionSet == nil ? 0 : 1)
            w.field(2, bytes: m.versionSet ?? [])
        case let m as ReplicaPutRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, varint: UInt64(m.partition))
            w.field(3, bytes: m.versionSet)
            w.field(4, varint: m.repair ? 1 : 0)
        case is ReplicaPutResponse, is IdentifyRequest:
            break
        case let m as CoordinateRequest:
            // A oneof member is written even when it is all defaults (it says which case is set).
            switch m.operation {
            case let .get(request): w.field(1, bytes: referenceEncoding(of: request), always: true)
            case let .put(request): w.field(2, bytes: referenceEncoding(of: request), always: true)
            case let .delete(request): w.field(3, bytes: referenceEncoding(of: request), always: true)
            }
            w.field(4, varint: UInt64(m.hops))
        case let m as CoordinateResponse:
            switch m.result {
            case let .get(response): w.field(1, bytes: referenceEncoding(of: response), always: true)
            case let .put(response): w.field(2, bytes: referenceEncoding(of: response), always: true)
            case let .delete(response): w.field(3, bytes: referenceEncoding(of: response), always: true)
            }
        case let m as ReplicaBatchRequest:
            for get in m.gets { w.field(1, bytes: referenceEncoding(of: get), always: true) }
            for put in m.puts { w.field(2, bytes: referenceEncoding(of: put), always: true) }
        case let m as ReplicaBatchResponse:
            for (field, results) in [(1, m.gets), (2, m.puts)] {
                for result in results {
                    let inner = ProtoWriter.build { r in
                        r.field(1, varint: UInt64(result.code))
                        r.field(2, bytes: Array(result.message.utf8))
                        r.field(3, varint: result.versionSet == nil ? 0 : 1)
                        r.field(4, bytes: result.versionSet ?? [])
                    }
                    w.field(field, bytes: inner, always: true)
                }
            }
        case let m as IdentifyResponse:
            w.field(1, bytes: m.member.id.bytes)
            w.field(2, varint: UInt64(m.member.weight))
            w.field(3, bytes: Array(m.member.clientAddress.utf8))
            w.field(4, bytes: Array(m.member.peerAddress.utf8))
            w.field(5, bytes: m.clusterID.bytes)
            w.field(6, varint: UInt64(m.partitionCount))
            w.field(7, bytes: m.clusterSecret.bytes)
        case let m as HintPutRequest:
            w.field(1, bytes: m.key.bytes)
            w.field(2, varint: UInt64(m.partition))
            w.field(3, bytes: m.versionSet)
            w.field(4, bytes: m.owner.bytes)
        case let m as SWIMMessage:
            let (kind, probe, target, incarnation): (UInt64, UInt64, NodeID?, UInt64) = switch m {
            case let .ping(probe, _): (0, probe, nil, 0)
            case let .pingRequest(probe, target, _): (1, probe, target, 0)
            case let .ack(probe, target, incarnation, _): (2, probe, target, incarnation)
            case let .nack(probe, target, _): (3, probe, target, 0)
            case .sync: (4, 0, nil, 0)
            case .syncReply: (5, 0, nil, 0)
            }
            w.field(1, varint: kind)
            w.field(2, varint: probe)
            w.field(3, bytes: target?.bytes ?? [])
            w.field(4, varint: incarnation)
            for update in m.updates {
                let inner = ProtoWriter.build { u in
                    u.field(1, bytes: update.node.bytes)
                    u.field(2, varint: UInt64(update.status.state.rawValue))
                    u.field(3, varint: update.status.incarnation)
                    for accuser in update.accusers { u.field(4, bytes: accuser.bytes, always: true) }
                }
                w.field(5, bytes: inner, always: true)
            }
        case is GossipResponse, is MembersRequest:
            break
        case let m as MembersResponse:
            w.field(1, bytes: m.nodeID.bytes)
            for entry in m.members {
                let info = ProtoWriter.build { i in
                    i.field(1, bytes: entry.member.id.bytes)
                    i.field(2, varint: UInt64(entry.member.weight))
                    i.field(3, bytes: Array(entry.member.clientAddress.utf8))
                    i.field(4, bytes: Array(entry.member.peerAddress.utf8))
                    i.field(5, bytes: Array(entry.member.name.utf8))
                }
                let inner = ProtoWriter.build { e in
                    e.field(1, bytes: info, always: true)
                    e.field(2, bytes: Array(entry.state.description.utf8))
                    e.field(3, varint: entry.incarnation)
                    e.field(4, varint: entry.isSelf ? 1 : 0)
                }
                w.field(2, bytes: inner, always: true)
            }
        default:
            fatalError("no reference encoding for \(type(of: message))")
        }
    }
}

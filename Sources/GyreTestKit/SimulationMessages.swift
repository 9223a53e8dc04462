import GyreCore
import GyreModel
import GyreStorage

/// A party on the simulated network.
enum SimulationEndpoint: Equatable, CustomStringConvertible {
    case node(Int)
    case client(Int)

    var description: String {
        switch self {
        case let .node(index): return "n\(index)"
        case let .client(index): return "c\(index)"
        }
    }
}

/// A client request, as `KV.Get` / `KV.Put` / `KV.Delete` carry it.
struct ClientRequest {
    enum Action {
        case get
        /// `context` is the opaque causal context: empty bytes for none.
        case put(WriteID, context: [UInt8])
        case delete(WriteID, context: [UInt8])
    }

    let operation: Int
    let client: Int
    let key: Key
    let action: Action
    /// The client's deadline (`grpc-timeout`), absolute virtual time.
    let deadline: UInt64
}

/// A coordinator's answer to a client.
enum ClientReply {
    case read(values: [[UInt8]], context: [UInt8])
    case readFailed
    /// A put's answer: every sibling after the write and the context covering them.
    case written(values: [[UInt8]], context: [UInt8])
    case deleted
    case writeFailed(acks: Int, outcome: WriteOutcome)
}

/// What travels between endpoints: client calls and the `Replica` service's Get and Put.
/// Version sets travel encoded, as on the wire.
enum SimulationMessage: CustomStringConvertible {
    case request(ClientRequest)
    case reply(operation: Int, ClientReply)
    case replicaGet(request: UInt64, key: StorageKey)
    /// A replica's versions (nil: it holds none).
    case replicaVersions(request: UInt64, bytes: [UInt8]?)
    /// A coordinator's write (`repair` false, answered) or a read repair (not answered).
    case replicaPut(request: UInt64, key: StorageKey, bytes: [UInt8], repair: Bool)
    case replicaAck(request: UInt64)
    /// The replica's storage failed, or its node refused the connection.
    case replicaFailed(request: UInt64)

    /// The request a sender waits on, for messages that get an answer.
    var awaitedRequest: UInt64? {
        switch self {
        case let .replicaGet(request, _): return request
        case let .replicaPut(request, _, _, repair): return repair ? nil : request
        default: return nil
        }
    }

    var description: String {
        switch self {
        case let .request(request):
            let action: String
            switch request.action {
            case .get: action = "get"
            case let .put(id, context): action = "put \(id)\(context.isEmpty ? " blind" : "")"
            case let .delete(id, context): action = "delete \(id)\(context.isEmpty ? " blind" : "")"
            }
            return "#\(request.operation) \(action) \(request.key)"
        case let .reply(operation, reply):
            switch reply {
            case let .read(values, _): return "#\(operation) values [\(values.map(Operation.show).joined(separator: ","))]"
            case .readFailed: return "#\(operation) read unavailable"
            case let .written(values, _): return "#\(operation) written [\(values.map(Operation.show).joined(separator: ","))]"
            case .deleted: return "#\(operation) deleted"
            case let .writeFailed(acks, outcome): return "#\(operation) write unavailable acks=\(acks) \(outcome.rawValue)"
            }
        case let .replicaGet(request, key): return "Replica.Get r\(request) \(key.key)"
        case let .replicaVersions(request, bytes): return "versions r\(request) \(bytes?.count ?? 0)B"
        case let .replicaPut(request, key, bytes, repair):
            return repair ? "repair \(key.key) \(bytes.count)B" : "Replica.Put r\(request) \(key.key) \(bytes.count)B"
        case let .replicaAck(request): return "ack r\(request)"
        case let .replicaFailed(request): return "failed r\(request)"
        }
    }
}

/// A message in flight.
struct SimulationEnvelope {
    let from: SimulationEndpoint
    let to: SimulationEndpoint
    let message: SimulationMessage
}

/// What the event queue holds.
enum SimulationEvent {
    case deliver(SimulationEnvelope)
    case coordinatorTimeout(node: Int, request: UInt64)
    case clientWake(Int)
    case clientDeadline(client: Int, operation: Int)
    case crash(Int)
    case restart(Int)
    case partitionStart
    case partitionEnd
}

/// Who asked for a coordinated read.
enum ReadOrigin {
    case client(client: Int, operation: Int)
    /// A final read during convergence, answered into ``SimulatedCluster/finalReads``.
    case final(slot: Int)
}

/// One node: its durable storage, whether it runs, and its in-flight coordinations (lost when
/// it crashes).
struct SimulatedNode<Version: Mergeable> {
    let id: NodeID
    /// The same engine the node uses; survives crashes (a durable store).
    let storage = InMemoryEngine(shardCount: 1)
    var isUp = true
    var reads: [UInt64: PendingRead<Version>] = [:]
    var writes: [UInt64: PendingWrite<Version>] = [:]

    init(id: NodeID) { self.id = id }
}

/// A read this node coordinates.
struct PendingRead<Version: Mergeable> {
    let key: StorageKey
    let origin: ReadOrigin
    var instance: ReadCoordinator<Version>
}

/// A write this node coordinates.
struct PendingWrite<Version: Mergeable> {
    let key: StorageKey
    let replicas: [Int]
    let client: Int
    let operation: Int
    let write: WriteID
    let dot: Dot
    let isDelete: Bool
    var instance: WriteCoordinator<Version>
}

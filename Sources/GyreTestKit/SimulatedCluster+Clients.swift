import GyreCore
import GyreModel
import GyrePipeline

/// One simulated client: a loop of operations, one at a time, remembering the contexts it got.
struct SimulatedClient {
    /// A context the client got, and the operation that returned it.
    struct Remembered {
        let operation: Int
        let context: [UInt8]
    }

    let index: Int
    /// Operations still to start.
    var remaining: Int
    /// The client's write counter (every write gets a fresh ``WriteID``).
    var writes = 0
    /// The operation awaiting an answer.
    var current: Int?
    /// The get just completed, for a read-modify-write.
    var justRead: (key: Key, remembered: Remembered)?
    var lastRead: [Key: Remembered] = [:]
    var lastWrite: [Key: Remembered] = [:]
    var finished = false

    init(index: Int, remaining: Int) {
        self.index = index
        self.remaining = remaining
    }
}

// The clients: each does one operation at a time against a coordinator from the key's
// preference list. Mostly read-modify-write (a put or a delete with the context of the get just
// done), sometimes blind puts, puts reusing a put's answer, or writes with an older get's context.
extension SimulatedCluster {
    func clientWake(_ client: Int) {
        guard clients[client].current == nil, !clients[client].finished else { return }
        guard clients[client].remaining > 0 else {
            clients[client].finished = true
            clientsDone += 1
            trace.record(now, "c\(client) done")
            if clientsDone == clients.count, !healed { heal() }
            return
        }
        clients[client].remaining -= 1
        let justRead = clients[client].justRead
        clients[client].justRead = nil
        if let justRead, random.chance(0.75) {
            // Read-modify-write: the write supersedes exactly what the get returned.
            return invokeWrite(client, key: justRead.key, basis: .read(justRead.remembered.operation),
                               context: justRead.remembered.context, delete: random.chance(0.15))
        }
        let key = keys[random.index(below: keys.count)]
        let roll = random.below(100)
        switch roll {
        case 0..<45:
            invoke(client, key: key, kind: .get, basis: .none, action: .get)
        case 45..<65:
            invokeWrite(client, key: key, basis: .none, context: [], delete: false)
        case 65..<80:
            if let remembered = clients[client].lastWrite[key] {
                invokeWrite(client, key: key, basis: .write(remembered.operation), context: remembered.context, delete: false)
            } else {
                invokeWrite(client, key: key, basis: .none, context: [], delete: false)
            }
        case 80..<95:
            if let remembered = clients[client].lastRead[key] {
                // An older get's context: whatever changed since stays as siblings.
                invokeWrite(client, key: key, basis: .read(remembered.operation), context: remembered.context,
                            delete: roll >= 92)
            } else {
                invoke(client, key: key, kind: .get, basis: .none, action: .get)
            }
        default:
            invoke(client, key: key, kind: .get, basis: .none, action: .get)
        }
    }

    /// A put, or a delete with a context (a delete without one supersedes whatever its
    /// coordinator holds, which no client can know: the workload never sends one).
    private func invokeWrite(_ client: Int, key: Key, basis: Operation.Basis, context: [UInt8], delete: Bool) {
        let write = WriteID(client: client, sequence: clients[client].writes)
        clients[client].writes += 1
        if delete && !context.isEmpty {
            invoke(client, key: key, kind: .delete(write), basis: basis, action: .delete(write, context: context))
        } else {
            invoke(client, key: key, kind: .put(write), basis: basis, action: .put(write, context: context))
        }
    }

    private func invoke(_ client: Int, key: Key, kind: Operation.Kind, basis: Operation.Basis, action: ClientAction) {
        let operation = operations.count
        var replicas = placement(of: key).replicas
        // Now and then a get or a put goes to any node (it may not replicate the key: a read is
        // coordinated there, a write forwarded, or coordinated there when no replica is in reach).
        if case .delete = kind {} else if random.chance(0.3) { replicas = Array(nodes.indices) }
        let first = random.index(below: replicas.count)
        // A node that is down refuses the connection at once: the client tries the next one.
        let coordinator = (0..<replicas.count).map { replicas[(first + $0) % replicas.count] }.first { nodes[$0].isUp }
        operations.append(Operation(index: operation, client: client, key: key, kind: kind, basis: basis,
                                    coordinator: coordinator, invokedAt: now, completedAt: now, outcome: .noAnswer))
        clients[client].current = operation
        guard let coordinator else {
            trace.record(now, "c\(client) #\(operation): no replica of \(key) is up")
            let isWrite = operations[operation].isWrite
            return complete(operation, isWrite ? .writeFailed(acks: 0, outcome: .notApplied) : .readFailed)
        }
        let deadline = now + schedule.clientTimeout
        trace.record(now, "c\(client) invokes #\(operation) \(action.describe(key)) at n\(coordinator)")
        queue.schedule(.world { [self] in deliver(action, key: key, operation: operation, client: client, deadline: deadline,
                                                  to: coordinator) },
                       at: now + delay())
        queue.schedule(.clientDeadline(client: client, operation: operation), at: deadline)
    }

    /// A client request reaches its coordinator's KV service: the node's own router takes it.
    private func deliver(_ action: ClientAction, key: Key, operation: Int, client: Int, deadline: UInt64, to node: Int) {
        guard nodes[node].isUp, let handler = nodes[node].handler else {
            trace.record(now, "c\(client)→n\(node) #\(operation) lost (down)")
            return
        }
        trace.record(now, "c\(client)→n\(node) #\(operation) \(action.describe(key))")
        nodes[node].clientRequests += 1
        let responder = SimulatedResponder(world: self, node: node, incarnation: nodes[node].incarnation, client: client,
                                           operation: operation, deadline: deadline)
        switch action {
        case .get:
            handler.router.get(GetRequest(key: key), hops: 0, responder: responder)
        case let .put(write, context):
            writeInProgress = (write, node)
            handler.router.put(PutRequest(key: key, value: write.payload, context: CausalContext(context)), hops: 0,
                               responder: responder)
            writeInProgress = nil
        case let .delete(write, context):
            writeInProgress = (write, node)
            handler.router.delete(DeleteRequest(key: key, context: CausalContext(context)), hops: 0, responder: responder)
            writeInProgress = nil
        }
    }

    func clientReceived(_ answer: ClientAnswer, operation: Int, client: Int) {
        guard clients[client].current == operation else {
            trace.record(now, "c\(client) ignores a late answer to #\(operation)")
            return
        }
        let outcome: Operation.Outcome
        switch answer {
        case let .read(values, context):
            outcome = .ok(values)
            let remembered = SimulatedClient.Remembered(operation: operation, context: context)
            clients[client].lastRead[operations[operation].key] = remembered
            clients[client].justRead = (operations[operation].key, remembered)
        case .readFailed:
            outcome = .readFailed
        case let .written(values, context):
            outcome = .ok(values)
            clients[client].lastWrite[operations[operation].key] = SimulatedClient.Remembered(operation: operation, context: context)
        case .deleted:
            outcome = .ok([])
        case let .writeFailed(acks, writeOutcome):
            outcome = .writeFailed(acks: acks, outcome: writeOutcome)
        }
        complete(operation, outcome)
    }

    func clientDeadline(client: Int, operation: Int) {
        guard clients[client].current == operation else { return }
        complete(operation, .noAnswer)
    }

    private func complete(_ operation: Int, _ outcome: Operation.Outcome) {
        let client = operations[operation].client
        operations[operation].completedAt = now
        operations[operation].outcome = outcome
        clients[client].current = nil
        trace.record(now, "c\(client) completes \(operations[operation])")
        queue.schedule(.clientWake(client), at: now + random.uniform(in: 0...schedule.maxThinkTime))
    }
}

/// What a client asks: a get, or a put or delete with its opaque context (empty: none).
enum ClientAction {
    case get
    case put(WriteID, context: [UInt8])
    case delete(WriteID, context: [UInt8])

    func describe(_ key: Key) -> String {
        switch self {
        case .get: "get \(key)"
        case let .put(id, context): "put \(id)\(context.isEmpty ? " blind" : "") \(key)"
        case let .delete(id, context): "delete \(id)\(context.isEmpty ? " blind" : "") \(key)"
        }
    }
}

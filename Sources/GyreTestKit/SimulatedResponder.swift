import GyreCore
import GyreModel
import GyrePipeline
import GyreRPC

/// The pipeline's ``KVResponder`` for a simulated client's request: the answer travels back to
/// the client over the network (client links are never dropped), and, for a write, the world
/// notes how many of the key's replicas held the write when it was answered.
///
/// Contract: single-threaded (the world's thread); an answer from a node that crashed since the
/// request arrived is dropped (the client then hears nothing and gives up at its deadline).
struct SimulatedResponder<Versioning: ReplicaVersioning>: KVResponder, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let node: Int
    let incarnation: Int
    let client: Int
    let operation: Int
    let deadline: UInt64?

    func answer(_ reply: KVReply) {
        let outcome: ClientAnswer
        let hinted: UInt32
        switch reply {
        case let .get(response):
            outcome = .read(values: response.values, context: response.context.bytes)
            hinted = response.hinted
        case let .put(response):
            outcome = .written(values: response.values, context: response.context.bytes)
            hinted = response.hinted
        case let .delete(response):
            outcome = .deleted
            hinted = response.hinted
        }
        if hinted > 0 { world.operations[operation].sloppy = true }
        send(outcome, "\(outcome)")
    }

    func fail(_ error: RPCError) {
        if world.operations[operation].isWrite {
            let acks = error.trailers[WriteAnswer.acksTrailer].flatMap { Int($0) } ?? 0
            guard let outcome = error.trailers[WriteAnswer.outcomeTrailer].flatMap(WriteOutcome.init(rawValue:)) else {
                preconditionFailure("seed \(world.schedule.seed): a write failed without saying whether it was applied: \(error)")
            }
            send(.writeFailed(acks: acks, outcome: outcome), "\(error.code) acks=\(acks) \(outcome.rawValue)")
        } else {
            send(.readFailed, "\(error.code)")
        }
    }

    private func send(_ answer: ClientAnswer, _ text: String) {
        let world = self.world, client = self.client, operation = self.operation
        guard world.nodes[node].isUp, world.nodes[node].incarnation == incarnation else { return }
        world.nodes[node].clientRequests -= 1
        if let write = world.operations[operation].write {
            let (key, replicas) = world.placement(of: world.operations[operation].key)
            world.observations.holdersAtAnswer[write] = world.observations.applied[write].map {
                world.holders(of: $0.dot, key: key, among: replicas) + world.hintHolders(of: $0.dot, key: key)
            } ?? 0
        }
        world.trace.record(world.now, "n\(node)→c\(client) #\(operation) \(text)")
        world.queue.schedule(.world { world.clientReceived(answer, operation: operation, client: client) },
                             at: world.now + world.delay())
    }
}

/// What a client hears back.
enum ClientAnswer: CustomStringConvertible {
    case read(values: [[UInt8]], context: [UInt8])
    case readFailed
    /// A put's answer: every sibling after the write and the context covering them.
    case written(values: [[UInt8]], context: [UInt8])
    case deleted
    case writeFailed(acks: Int, outcome: WriteOutcome)

    var description: String {
        switch self {
        case let .read(values, _): "values [\(values.map(Operation.show).joined(separator: ","))]"
        case .readFailed: "read unavailable"
        case let .written(values, _): "written [\(values.map(Operation.show).joined(separator: ","))]"
        case .deleted: "deleted"
        case let .writeFailed(acks, outcome): "write unavailable acks=\(acks) \(outcome.rawValue)"
        }
    }
}

/// The responder of a final read (R = N at one replica, after the heal): records what it read.
struct FinalReadResponder<Versioning: ReplicaVersioning>: KVResponder, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let slot: Int
    let node: Int
    var deadline: UInt64? { nil }

    func answer(_ reply: KVReply) {
        guard case let .get(response) = reply else { preconditionFailure("a final read got a write's answer") }
        world.finalReads[slot].values = response.values
        world.trace.record(world.now, "final read \(slot) at n\(node): [\(response.values.map(Operation.show).joined(separator: ","))]")
    }

    func fail(_ error: RPCError) {
        world.trace.record(world.now, "final read \(slot) at n\(node) failed: \(error)")
    }
}

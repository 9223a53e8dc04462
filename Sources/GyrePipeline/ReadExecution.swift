import GyreCore
import GyreModel
import GyreStorage
import Synchronization

/// The shell of one coordinated read: carries out a ``ReadCoordinator``'s directives (local and
/// remote replica reads, the deadline timer, the client's answer, read repairs).
///
/// Contract: events enter the instance under a lock; directives run outside it, so a local read
/// that answers at once re-enters safely. Lives until the instance is finished.
final class ReadExecution<Versioning: ReplicaVersioning>: Sendable {
    typealias Version = Versioning.Version
    private let instance: Mutex<ReadCoordinator<Version>>
    private let context: PipelineContext<Versioning>
    private let timer = Mutex<CoordinatorTimers.Token?>(nil)
    private let responder: any KVResponder
    private let key: StorageKey
    /// Seals the answer's context for `key`.
    private let seal: ContextSeal
    /// The epoch of the ring the read was routed by (in the answer).
    private let epoch: UInt64

    init(context: PipelineContext<Versioning>, responder: any KVResponder, key: StorageKey, replicas: [NodeID],
         fallbacks: [NodeID], down: Set<NodeID>, r: Int, deadline: UInt64, seal: ContextSeal, epoch: UInt64) {
        self.context = context
        self.responder = responder
        self.key = key
        self.seal = seal
        self.epoch = epoch
        instance = Mutex(ReadCoordinator(replicas: replicas, fallbacks: fallbacks, down: down, r: r, deadline: deadline))
    }

    func start() {
        perform(instance.withLock { $0.start() })
    }

    private func perform(_ directives: [ReadCoordinator<Version>.Directive]) {
        // The timer is armed after the batch's other directives: a request its local replica
        // completed at once (a one-node cluster) never needs one.
        var timeoutAt: UInt64?
        defer {
            if let timeoutAt, !instance.withLock({ $0.isFinished }) {
                let token = context.schedule(at: timeoutAt) { [self] now in perform(instance.withLock { $0.onTimeout(now: now) }) }
                timer.withLock { $0 = token }
            }
        }
        for directive in directives {
            switch directive {
            case let .read(node):
                read(node)
            case let .readHints(node):
                readHints(node)
            case let .scheduleTimeout(at):
                timeoutAt = at
            case let .reply(.ok(merged, answered, hinted)):
                let view = context.versioning.clientView(of: merged)
                responder.answer(.get(GetResponse(values: view.values, context: seal.seal(view.context, for: key.key),
                                                  replicas: UInt32(answered), ringEpoch: epoch, hinted: UInt32(hinted))))
            case let .reply(.unavailable(answered, required)):
                responder.fail(ReadAnswer.shortOfQuorum(answered: answered, r: required))
            case let .repair(node, versions):
                context.metrics.readRepairs.increment()
                context.repair(node, key: key, versions: versions)
            case .finished:
                if let token = timer.withLock({ $0 }) { context.cancelTimer(token) }
            }
        }
    }

    private func read(_ node: NodeID) {
        if node == context.me {
            return context.readLocal(key) { [self] result in
                if case .failure = result { context.metrics.replicaFailures.increment() }
                heard(from: node, result)
            }
        }
        readRemote(node, fromHints: false)
    }

    /// A fallback's read: the hints it holds for the key (this node's own, when it is the fallback).
    private func readHints(_ node: NodeID) {
        if node == context.me {
            let owners = instance.withLock { $0.replicas }
            return context.readHints(key, owners: owners[...]) { [self] result in heard(from: node, result) }
        }
        readRemote(node, fromHints: true)
    }

    private func readRemote(_ node: NodeID, fromHints: Bool) {
        let deadline = context.attemptDeadline(within: instance.withLock { $0.deadline })
        context.readRemote(node, key: key, fromHints: fromHints, deadline: deadline) { [self] result in
            heard(from: node, result)
        }
    }

    /// One node's read ended: its answer or failure goes to the instance.
    private func heard<Failure: Error>(from node: NodeID, _ result: Result<Version?, Failure>) {
        perform(instance.withLock { coordinator in
            switch result {
            case let .success(versions): coordinator.onAnswer(from: node, versions: versions)
            case .failure: coordinator.onFailure(from: node)
            }
        })
    }
}

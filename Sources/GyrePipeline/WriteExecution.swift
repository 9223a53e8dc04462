import GyreCore
import GyreModel
import GyreStorage
import Synchronization

/// The shell of one coordinated write (put or delete), after the coordinator applied it to its
/// own replica: sends the new versions to the other replicas and answers the client.
///
/// Contract: as ``ReadExecution``; a failed answer carries the trailers `gyre-acks`,
/// `gyre-outcome` and `gyre-hinted` (``WriteAnswer``). Each replica or fallback call ends by its
/// own attempt deadline (``CoordinatorTiming/attemptDeadline(now:waitDeadline:)``).
final class WriteExecution<Versioning: ReplicaVersioning>: Sendable {
    typealias Version = Versioning.Version
    private let instance: Mutex<WriteCoordinator<Version>>
    private let context: PipelineContext<Versioning>
    private let timer = Mutex<CoordinatorTimers.Token?>(nil)
    private let responder: any KVResponder
    private let key: StorageKey
    private let reply: @Sendable (_ versions: Version, _ acks: Int, _ hinted: Int) -> KVReply

    /// `encoded` is `versions`' encoding (already made for the coordinator's own storage): every
    /// replica gets these bytes, encoded once.
    private let encoded: [UInt8]

    init(context: PipelineContext<Versioning>, responder: any KVResponder, key: StorageKey, others: [NodeID],
         fallbacks: [NodeID], down: Set<NodeID>, strict: Bool, w: Int, versions: Version, encoded: [UInt8],
         localIsHint: Bool = false, deadline: UInt64, reply: @escaping @Sendable (Version, Int, Int) -> KVReply) {
        self.encoded = encoded
        self.context = context
        self.responder = responder
        self.key = key
        self.reply = reply
        instance = Mutex(WriteCoordinator(coordinator: context.me, others: others, fallbacks: fallbacks, down: down,
                                          strict: strict, w: w, version: versions, localApplied: true,
                                          localIsHint: localIsHint, deadline: deadline))
    }

    func start() {
        perform(instance.withLock { $0.start() })
    }

    private func perform(_ directives: [WriteCoordinator<Version>.Directive]) {
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
            case let .write(node, _):
                context.writeRemote(node, key: key, encoded: encoded, repair: false,
                                    deadline: context.attemptDeadline(within: instance.withLock { $0.deadline })) { [self] ok in
                    perform(instance.withLock { ok ? $0.onAck(from: node) : $0.onFailure(from: node) })
                }
            case let .hint(node, owner, _):
                context.hintRemote(node, owner: owner, key: key, encoded: encoded,
                                   deadline: context.attemptDeadline(within: instance.withLock { $0.deadline })) { [self] ok in
                    perform(instance.withLock { ok ? $0.onAck(from: node) : $0.onFailure(from: node) })
                }
            case let .scheduleTimeout(at):
                timeoutAt = at
            case let .reply(.ok(acks, hinted)):
                let versions = instance.withLock { $0.version }
                if hinted > 0 { context.metrics.hintedWrites.increment() }
                responder.answer(reply(versions, acks, hinted))
            case let .reply(.unavailable(acks, hinted, outcome)):
                let (w, strict) = instance.withLock { ($0.w, $0.strict) }
                if outcome == .possiblyApplied { context.metrics.writesPossiblyApplied.increment() }
                responder.fail(WriteAnswer.shortOfQuorum(acks: acks, hinted: hinted, w: w, strict: strict, outcome: outcome))
            case let .keepHint(owner, versions):
                context.metrics.hintsKept.increment()
                context.storeHint(for: owner, key, versions, encoded: encoded) { _ in }
            case .finished:
                if let token = timer.withLock({ $0 }) { context.cancelTimer(token) }
            }
        }
    }
}

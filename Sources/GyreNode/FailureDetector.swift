import GyreCore
import GyreModel
import GyrePipeline
import GyreRPC
import GyreStorage
import GyreWire
import Logging
import NIOCore
import Synchronization

/// The node's shell around its ``SWIMInstance``: carries its messages over `Replica.Gossip`,
/// its timers on an event loop, its incarnation into the store, and its opinions to the
/// pipeline (``MemberLiveness``: members it holds suspect or dead, so writes and reads go to
/// fallbacks within a protocol period or two of a member going silent, not only after the
/// suspicion timeout) and to operators (one log line per state change, `Cluster.Members`).
///
/// Contract: thread-safe. Inert until ``start(members:)`` (called once the ring is adopted):
/// messages before it are answered UNAVAILABLE by the service. The incarnation is recorded
/// (synced) before any message that carries it is sent; a store that cannot record it stops the
/// detector with an error log, leaving every member up in the pipeline's eyes. Messages go to a
/// member's peer address with the ring's epoch; a lost or refused send is just a lost message.
final class FailureDetector: MemberLiveness, Sendable {
    static let incarnationMetadata = "swim.incarnation"

    private let me: NodeID
    private let settings: SWIMSettings
    private let loop: any EventLoop
    private let peers: SharedPeerClient
    private let state: ClusterState
    private let storage: any StorageEngine
    private let logger: Logger
    /// Told of every member heard from (a message is proof it is reachable again).
    private let unresponsive: UnresponsivePeers
    private let instance = Mutex<SWIMInstance?>(nil)
    /// Members held suspect or dead.
    private let down = Mutex<Set<NodeID>>([])
    private let stopped = Atomic<Bool>(false)
    /// Messages refused whole (a non-member sender, or past the limits).
    let refusals = Counter()
    /// State changes seen (alive, suspect, dead).
    let stateChanges = Counter()

    init(me: NodeID, settings: SWIMSettings, loop: any EventLoop, peers: SharedPeerClient, state: ClusterState,
         storage: any StorageEngine, logger: Logger, unresponsive: UnresponsivePeers) {
        self.unresponsive = unresponsive
        self.me = me
        self.settings = settings
        self.loop = loop
        self.peers = peers
        self.state = state
        self.storage = storage
        self.logger = logger
    }

    private func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    // MARK: MemberLiveness

    func downMembers() -> Set<NodeID> { down.withLock { $0 } }

    // MARK: lifecycle

    /// Starts the detector over the ring's members, or tells a started one the members changed.
    func start(members: [NodeID]) {
        guard !stopped.load(ordering: .relaxed) else { return }
        var random = SystemRandomNumberGenerator()
        let directives: [SWIMInstance.Directive] = instance.withLock { instance in
            if instance == nil {
                let last = (try? storage.metadata(Self.incarnationMetadata)).flatMap(StorageMetadata.decodeCounter)
                var fresh = SWIMInstance(me: me, members: members, lastIncarnation: last, settings: settings)
                let directives = fresh.start(now: now(), random: &random)
                instance = fresh
                return directives
            }
            return instance!.onMembersChanged(members, now: now(), random: &random)
        }
        perform(directives)
    }

    /// Stops: no more timers or sends.
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Whether the detector is running (a ring was adopted).
    var isStarted: Bool { instance.withLock { $0 != nil } }

    // MARK: events

    /// What became of a message.
    enum Reception: Equatable {
        case accepted
        /// Refused whole, nothing changed (see ``SWIMInstance/Refusal``).
        case refused(SWIMInstance.Refusal)
        /// The detector has not started (no ring yet).
        case notStarted
    }

    /// A message from `sender` (authenticated by the service).
    func receive(_ message: SWIMMessage, from sender: NodeID) -> Reception {
        let directives: [SWIMInstance.Directive]? = instance.withLock { instance in
            guard instance != nil else { return nil }
            return instance!.onMessage(message, from: sender, now: now())
        }
        guard let directives else { return .notStarted }
        perform(directives)
        for case let .refused(refusal, _) in directives { return .refused(refusal) }
        unresponsive.markAnswered(sender)
        return .accepted
    }

    /// Every member's status as this node sees it (empty before start).
    var view: [NodeID: MemberStatus] { instance.withLock { $0?.view ?? [:] } }

    private func fire(_ timer: SWIMInstance.Timer) {
        guard !stopped.load(ordering: .relaxed) else { return }
        var random = SystemRandomNumberGenerator()
        let directives = instance.withLock { $0?.onTimer(timer, now: now(), random: &random) ?? [] }
        perform(directives)
    }

    // MARK: directives

    private func perform(_ directives: [SWIMInstance.Directive]) {
        for directive in directives {
            switch directive {
            case let .recordIncarnation(incarnation):
                do {
                    try storage.setMetadata(Self.incarnationMetadata, StorageMetadata.encode(counter: incarnation))
                } catch {
                    logger.error("cannot record the failure detector's incarnation; the detector stops",
                                 metadata: ["gyre.error": "\(error)"])
                    stop()
                    down.withLock { $0 = [] }
                    return
                }
            case let .send(message, to: node):
                send(message, to: node)
            case let .scheduleTimer(timer, at: time):
                guard !stopped.load(ordering: .relaxed) else { continue }
                let delay = time > now() ? time - now() : 0
                loop.scheduleTask(in: .nanoseconds(Int64(delay))) { [self] in fire(timer) }
            case let .stateChanged(node, from, to, incarnation):
                stateChanges.increment()
                down.withLock { down in
                    if to == .alive { down.remove(node) } else { down.insert(node) }
                }
                let member = state.currentView?.member(node)
                let level: Logger.Level = to == .alive ? .info : .warning
                logger.log(level: level, "member state changed", metadata: [
                    "member.state": "\(to)", "member.id": "\(node)", "member.name": "\(member?.name ?? "")",
                    "member.peer_address": "\(member?.peerAddress ?? "")", "member.was": "\(from)",
                    "member.incarnation": "\(incarnation)",
                ])
            case let .refused(refusal, from: node):
                refusals.increment()
                logger.debug("gossip refused", metadata: ["member.id": "\(node)", "gyre.error": "\(refusal)"])
            }
        }
    }

    private func send(_ message: SWIMMessage, to node: NodeID) {
        guard !stopped.load(ordering: .relaxed), let view = state.currentView, let member = view.member(node) else { return }
        peers.value.call(member, epoch: view.ring.epoch, ReplicaPaths.gossip, message, as: GossipResponse.self,
                         timeoutNanoseconds: settings.probeInterval) { _ in }
    }
}

import GyreCore
public import GyreModel
public import GyreStorage
import Synchronization

/// How hinted handoff paces itself (`--handoff-rate`, `--handoff-interval-ms`).
public struct HandoffSettings: Sendable, Equatable {
    /// Most hints delivered per second (the throttle).
    public var rate: Int
    /// Hints read and delivered together in one pass (in flight at once).
    public var perPass: Int
    /// Pause between sweeps, nanoseconds.
    public var interval: UInt64
    /// When a hint is deleted: after its owner acknowledged it (always, but in the simulation's
    /// broken-variant test, which checks that deleting first is caught).
    public var order: Order

    /// When a delivered hint is deleted.
    public enum Order: Sendable, Equatable {
        /// Only after the owner acknowledged the merge (the contract).
        case deleteAfterAcknowledgement
        /// Broken on purpose: deleted before it is sent, so a lost delivery loses it.
        case deleteBeforeSending
    }

    public init(rate: Int = 500, perPass: Int = 16, interval: UInt64 = 1_000_000_000,
                order: Order = .deleteAfterAcknowledgement) {
        self.rate = max(1, rate)
        self.perPass = max(1, perPass)
        self.interval = interval
        self.order = order
    }
}

/// Hinted handoff: hands the hints this node holds to their owners, and deletes each one only
/// after its owner acknowledged it.
///
/// Contract:
/// - Sweeps the store's hints in key order (owner, partition, key), `perPass` at a time, at most
///   `rate` per second. Hints for an owner the failure detector sees as down, or that is not a
///   member of the current ring, are skipped (the rest of that owner's range at once) and tried
///   on the next sweep. A sweep that ends pauses `interval` before the next.
/// - A hint goes to its owner as a Replica.Put: the owner merges it (a DVVSet sync, never an
///   overwrite) and answers only once the merge is durable under its sync policy. Only then is
///   the hint deleted here, and only if it still holds exactly what was delivered (one that grew
///   meanwhile stays for the next sweep).
/// - Resumable: the hints are the store's records, so a restart simply sweeps again; nothing is
///   deleted that was not acknowledged. Before a pass that may delete, the node's
///   ``FallbackActor`` is renewed if it was used.
/// - Counted: `hints.delivered`, `hints.delivered_bytes`, `hints.delivery_failures`.
public final class HintHandoff<Versioning: ReplicaVersioning>: Sendable {
    private struct State {
        var cursor: Key?
        var stopped = false
        var sweeps = 0
    }

    public let settings: HandoffSettings
    private let context: PipelineContext<Versioning>
    private let state = Mutex(State())

    public init(context: PipelineContext<Versioning>, settings: HandoffSettings) {
        self.context = context
        self.settings = settings
    }

    /// Counts what the store holds as hints, per owner, into ``PipelineContext/hintBacklog``
    /// (blocking: call once at start, before the node serves).
    public func loadBacklog() throws(StorageError) {
        var found: [NodeID: (bytes: Int, records: Int)] = [:]
        var after: Key?
        while true {
            let page = try context.storage.scan(partition: StorageKey.hintPartition, after: after, limit: 1_024)
            for record in page {
                guard let target = StorageKey(partition: StorageKey.hintPartition, key: record.key).hintTarget,
                      target.owner != StorageKey.repairOwner else { continue }
                found[target.owner, default: (0, 0)].bytes += record.value.count
                found[target.owner, default: (0, 0)].records += 1
            }
            guard page.count == 1_024, let last = page.last else { break }
            after = last.key
        }
        context.hintBacklog.load(found, now: context.now())
    }

    /// Starts sweeping: a sweep every `interval` (the first after one interval).
    public func start() {
        context.scheduler.run(at: context.now() &+ settings.interval) { [self] in
            guard !state.withLock({ $0.stopped }) else { return }
            sweep { [self] in start() }
        }
    }

    /// One sweep over every hint held now, paced, then `completion` (used by ``start()``, and by
    /// the simulation to drive handoff itself).
    public func sweep(completion: @escaping @Sendable () -> Void) {
        state.withLock { $0.cursor = nil }
        pass(completion: completion)
    }

    /// Stops after the pass in progress, if any.
    public func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Completed sweeps so far.
    public var sweeps: Int { state.withLock { $0.sweeps } }

    // MARK: passes

    private func pass(completion: @escaping @Sendable () -> Void) {
        let started = context.now()
        let cursor = state.withLock { $0.cursor }
        let perPass = settings.perPass
        context.storage.scan(partition: StorageKey.hintPartition, after: cursor, limit: perPass) { [self] result in
            guard case let .success(records) = result else { return completion() }
            // Hints about to be deleted may hold events of this node's fallback actor: it is
            // renewed first, so it never makes an event that forgets them (``FallbackActor``).
            guard context.fallbackActor.renewIfUsed() else { return completion() }
            let down = context.downMembers()
            let view = context.view
            var deliveries: [(owner: NodeID, record: StorageKey, bytes: [UInt8])] = []
            var next = records.last?.key
            for record in records {
                guard let target = StorageKey(partition: StorageKey.hintPartition, key: record.key).hintTarget else { continue }
                let owner = target.owner
                guard owner != StorageKey.repairOwner, !down.contains(owner), view?.member(owner) != nil else {
                    // Skip the rest of this owner's hints in this sweep.
                    if record.key == records.last?.key { next = StorageKey.hintScanEnd(owner: owner) }
                    continue
                }
                deliveries.append((owner, target.record, record.value))
            }
            let sweepEnded = records.count < perPass
            state.withLock { state in
                state.cursor = sweepEnded ? nil : next
                if sweepEnded { state.sweeps += 1 }
            }
            let paced = started &+ UInt64(deliveries.count) * 1_000_000_000 / UInt64(settings.rate)
            let finish: @Sendable () -> Void = { [self] in
                if sweepEnded || state.withLock({ $0.stopped }) { return completion() }
                context.scheduler.run(at: max(context.now(), paced)) { [self] in pass(completion: completion) }
            }
            guard !deliveries.isEmpty else { return finish() }
            let remaining = Mutex(deliveries.count)
            for delivery in deliveries {
                deliver(delivery.owner, delivery.record, delivery.bytes) {
                    if remaining.withLock({ count in count -= 1; return count == 0 }) { finish() }
                }
            }
        }
    }

    private func deliver(_ owner: NodeID, _ record: StorageKey, _ bytes: [UInt8], done: @escaping @Sendable () -> Void) {
        let context = self.context
        let deadline = context.now() &+ context.timing.replicaTimeout
        if settings.order == .deleteBeforeSending {
            return context.deleteHint(for: owner, record, delivered: bytes) { _ in
                context.writeRemote(owner, key: record, encoded: bytes, repair: false, deadline: deadline) { _ in done() }
            }
        }
        context.writeRemote(owner, key: record, encoded: bytes, repair: false, deadline: deadline) { acknowledged in
            guard acknowledged else {
                context.metrics.hintDeliveryFailures.increment()
                return done()
            }
            context.deleteHint(for: owner, record, delivered: bytes) { result in
                if case .success(true) = result {
                    context.metrics.hintsDelivered.increment()
                    context.metrics.hintBytesDelivered.increment(by: UInt64(bytes.count))
                }
                done()
            }
        }
    }
}

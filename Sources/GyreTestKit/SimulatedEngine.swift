import GyreModel
import GyrePipeline
import GyreStorage

/// A node's storage engine in the simulation: its durable ``InMemoryEngine`` (which survives
/// crashes) behind the asynchronous forms the pipeline uses, completing later from the event
/// queue as RocksDB's threads do, and failing while faults are on: a read fault; a write that
/// fails before anything is written (`.failure`: the node answers not-applied); a write applied
/// and then reported as a write fault (`.writeFault`: possibly applied).
///
/// An update runs its transform when it completes, under no other update (the simulator has
/// one thread). An update whose node crashed before it completed is never applied. When the
/// update is a client write's coordinator storing it (``SimulatedCluster/writeInProgress`` for a
/// delete; for a put, the first store anywhere of a value no store held before: a coordinator
/// stores a write before any other node can), the world records where, when and as which event
/// it was stored.
///
/// Contract: as ``StorageEngine``; single-threaded (the world's thread). The synchronous forms
/// go straight to the store, without faults or delay.
final class SimulatedEngine<Versioning: ReplicaVersioning>: StorageEngine, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let node: Int
    let incarnation: Int
    private var store: InMemoryEngine { world.nodes[node].store }

    init(world: SimulatedCluster<Versioning>, node: Int, incarnation: Int) {
        self.world = world
        self.node = node
        self.incarnation = incarnation
    }

    // MARK: asynchronous forms (the pipeline's)

    func get(_ key: StorageKey, completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        let fails = world.faultsOn && world.random.chance(world.schedule.storageFaultProbability)
        later { [self] in
            if fails {
                world.faults.readFaults += 1
                world.trace.record(world.now, "n\(node) storage read of \(key.key) failed")
                return completion(.failure(StorageError("injected storage read fault")))
            }
            completion(Result { () throws(StorageError) in try store.get(key) })
        }
    }

    func update(_ key: StorageKey, _ transform: @escaping @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?,
                completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        let write = world.writeInProgress.flatMap { $0.node == node ? $0.write : nil }
        var fault: StorageError.Kind?
        if world.faultsOn, world.random.chance(world.schedule.storageFaultProbability) {
            fault = world.random.chance(0.5) ? .failure : .writeFault
        }
        later { [self] in
            if fault == .failure {
                world.faults.notAppliedFaults += 1
                world.trace.record(world.now, "n\(node) storage write of \(key.key) failed: nothing written")
                return completion(.failure(StorageError("injected storage fault: nothing was written")))
            }
            let stored: [UInt8]?
            let before = try? store.get(key)
            do throws(StorageError) {
                stored = try store.update(key, transform)
            } catch {
                return completion(.failure(error))
            }
            if let stored { world.recordStored(write, before: before, after: stored, at: node) }
            if key.isHint, let stored { world.recordHinted(key, bytes: stored) }
            if fault == .writeFault {
                world.faults.possiblyAppliedFaults += 1
                world.trace.record(world.now, "n\(node) storage write of \(key.key) applied, then failed")
                return completion(.failure(.writeFault("injected after the write was applied")))
            }
            completion(.success(stored))
        }
    }

    /// Runs `body` after a storage delay, if the node has not crashed by then.
    private func later(_ body: @escaping () -> Void) {
        let delay = world.random.uniform(in: world.schedule.minStorageDelay...world.schedule.maxStorageDelay)
        world.schedule(node: node, incarnation: incarnation, at: world.now + delay) { [world] in
            world.faults.storageCompletions += 1
            body()
        }
    }

    // MARK: synchronous forms (straight to the store)

    func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? { try store.get(key) }

    @discardableResult
    func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]? {
        try store.update(key, transform)
    }

    var count: Int { store.count }

    func scan(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [StorageRecord] {
        try store.scan(partition: partition, after: after, limit: limit)
    }

    func metadata(_ name: String) throws(StorageError) -> [UInt8]? { try store.metadata(name) }

    func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError) { try store.setMetadata(name, value) }

    var health: StorageHealth { .ok }

    var statistics: StorageStatistics { store.statistics }

    func close() {}
}

extension SimulatedCluster {
    /// `node` stored `after` over `before` at one key. When that is a client write's coordinator
    /// storing it (`write`, for a delete; for a put, a client value no store held before), it
    /// records the moment the write exists somewhere, and the event (dot) that names it: the one
    /// actor whose counter moved (the node's own id, or its fallback actor).
    func recordStored(_ write: WriteID?, before: [UInt8]?, after: [UInt8], at node: Int) {
        guard let versions = try? versioning.decode(after) else { preconditionFailure("unreadable stored versions") }
        var writes: [WriteID] = []
        if let write {
            writes = [write]
        } else {
            writes = versioning.clientView(of: versions).values.compactMap(WriteID.init(payload:))
        }
        let fresh = writes.filter { observations.applied[$0] == nil }
        guard !fresh.isEmpty else { return }
        let old = before.flatMap { try? versioning.decode($0) }.map { versioning.history(of: $0) } ?? VersionVector()
        let new = versioning.history(of: versions)
        // The coordinator's event is under its own id or its fallback actor (the client's context
        // may have moved other actors' counters too).
        let own: Set<NodeID> = [members[node].id, nodes[node].handler?.context.fallbackActor.current].compactMap { $0 }
            .reduce(into: []) { $0.insert($1) }
        let moved = new.entries.filter { $0.counter > old.counter(for: $0.actor) && own.contains($0.actor) }
        guard moved.count == 1, fresh.count == 1 else {
            preconditionFailure("seed \(schedule.seed): n\(node) stored new writes \(fresh) with events of \(moved.count) actors")
        }
        let dot = Dot(actor: moved[0].actor, counter: moved[0].counter)
        observations.applied[fresh[0]] = StorageObservations.Applied(node: node, time: now, dot: dot)
        let actor = dot.actor == members[node].id ? "n\(node)" : "n\(node)'s fallback actor"
        trace.record(now, "n\(node) stored \(fresh[0]) as event \(dot.counter) of \(actor)")
    }
}

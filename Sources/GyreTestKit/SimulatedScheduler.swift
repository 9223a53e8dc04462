import GyrePipeline

/// The pipeline's ``Scheduler`` in the simulation: the world's virtual clock, wake-ups as events
/// of the node's current incarnation, "after this pass" as an event at the same instant after
/// the current one. Every wake-up is counted, and checked against the pipeline's timer grain
/// (``CoordinatorTimers`` asks only for times on it).
///
/// Contract: as ``Scheduler``; single-threaded (the world's thread).
struct SimulatedScheduler<Versioning: ReplicaVersioning>: Scheduler, @unchecked Sendable {
    let world: SimulatedCluster<Versioning>
    let node: Int
    let incarnation: Int

    func now() -> UInt64 { world.now }

    func run(at deadline: UInt64, _ action: @escaping @Sendable () -> Void) {
        let world = self.world
        world.faults.timerWakeUps += 1
        if deadline % CoordinatorTimers.grain != 0 { world.faults.timerWakeUpsOffGrain += 1 }
        world.schedule(node: node, incarnation: incarnation, at: max(deadline, world.now)) { action() }
    }

    func afterPass(_ action: @escaping @Sendable () -> Void) {
        world.schedule(node: node, incarnation: incarnation, at: world.now) { action() }
    }
}

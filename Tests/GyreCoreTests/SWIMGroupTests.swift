import GyreCore
import GyreModel
import Testing

/// Five SWIM instances on a seeded lossy network, run for many protocol periods (100 ms each).
@Suite struct SWIMGroupTests {
    private static let second = 1_000 * SWIMGroup.millisecond

    /// Runs in steps of 100 ms until `condition` holds or `limit` passed; whether it held.
    private func run(_ group: inout SWIMGroup, atMost limit: UInt64, until condition: (SWIMGroup) -> Bool) -> Bool {
        var waited: UInt64 = 0
        while !condition(group) {
            guard waited < limit else { return false }
            group.run(for: 100 * SWIMGroup.millisecond)
            waited += 100 * SWIMGroup.millisecond
        }
        return true
    }

    /// Every running node holds the same statuses (incarnations included), all alive.
    private func converged(_ group: SWIMGroup) -> Bool {
        let views = group.running.map { group.instances[$0]!.view }
        return views.allSatisfy { $0 == views[0] } && views[0].values.allSatisfy { $0.state == .alive }
    }

    @Test(arguments: Array(1...8) as [UInt64])
    func everyMemberConvergesToTheSameViewDespiteLoss(seed: UInt64) {
        var group = SWIMGroup(size: 5, seed: seed, loss: 0.10)
        group.run(for: 30 * Self.second)  // 300 periods, one message in ten lost
        #expect(group.messages > 3_000, "seed \(seed)")
        group.loss = 0
        #expect(run(&group, atMost: 10 * Self.second, until: converged), "seed \(seed): \(group.running.map { group.instances[$0]!.view })")
        #expect(group.violations.isEmpty, "seed \(seed): \(group.violations)")
        #expect(group.refusals == 0)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aNodeThatStopsAnsweringIsMarkedDeadByAll(seed: UInt64) {
        var group = SWIMGroup(size: 5, seed: seed, loss: 0.05)
        group.run(for: 3 * Self.second)
        let silent = group.ids[4]
        group.crash(silent)
        #expect(run(&group, atMost: 5 * Self.second) { $0.allRunning(see: silent, as: .dead) }, "seed \(seed)")
        group.run(for: 3 * Self.second)
        #expect(group.allRunning(see: silent, as: .dead), "dead stays dead while it is silent (seed \(seed))")
        group.loss = 0
        #expect(run(&group, atMost: 10 * Self.second) { group in
            group.running.allSatisfy { observer in
                group.running.allSatisfy { group.instances[observer]!.status(of: $0)?.state == .alive }
            }
        }, "the others stay or become alive among themselves (seed \(seed))")
        #expect(group.violations.isEmpty)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aBrieflyStarvedNodeComesBackAliveWithoutARestart(seed: UInt64) {
        var group = SWIMGroup(size: 5, seed: seed, loss: 0.02)
        group.run(for: 2 * Self.second)
        let starved = group.ids[2]
        let before = group.instances[starved]!.incarnation
        group.starved = [starved]
        #expect(run(&group, atMost: 6 * Self.second) { $0.allRunning(see: starved, as: .dead) }, "seed \(seed)")
        group.starved = []
        group.loss = 0
        #expect(run(&group, atMost: 15 * Self.second, until: converged), "seed \(seed): \(group.running.map { group.instances[$0]!.view })")
        #expect(group.lives[starved] == 0, "never restarted")
        #expect(group.instances[starved]!.incarnation > before, "it refuted its death")
        #expect(group.violations.isEmpty)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func aRestartedNodeIsAliveAgainAtAHigherIncarnation(seed: UInt64) {
        var group = SWIMGroup(size: 5, seed: seed, loss: 0.02)
        group.run(for: 2 * Self.second)
        let node = group.ids[0]
        group.crash(node)
        #expect(run(&group, atMost: 6 * Self.second) { $0.allRunning(see: node, as: .dead) }, "seed \(seed)")
        let recorded = group.recorded[node]!
        group.restart(node)
        #expect(group.instances[node]!.incarnation == recorded + 1)
        group.loss = 0
        #expect(run(&group, atMost: 10 * Self.second, until: converged), "seed \(seed): \(group.running.map { group.instances[$0]!.view })")
        #expect(group.instances[group.ids[1]]!.status(of: node)!.incarnation > recorded)
        #expect(group.violations.isEmpty)
    }
}

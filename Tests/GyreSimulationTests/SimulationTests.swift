import GyreModel
import GyrePipeline
import GyreTestKit
import Testing

/// The seeded simulation (ARCHITECTURE.md practice 11): 500 schedules of five nodes, N = 3,
/// R = W = 2, with delays, drops, a partition, a crash and storage faults, each judged by the
/// consistency checker after the cluster healed and handed every hint off. The nodes run the node's own request pipeline
/// (GyrePipeline) on simulated ports. A failure prints its seed; add it to ``RegressionSeeds``.
@Suite struct SimulationTests {
    /// Seeds 1...500 in chunks, so the schedules spread over the cores.
    static let chunkSize: UInt64 = 50
    static let chunks = 0..<10

    @Test("500 schedules keep every acknowledged write", arguments: chunks)
    func schedules(chunk: Int) {
        let first = UInt64(chunk) * Self.chunkSize + 1
        let seeds = first...(first + Self.chunkSize - 1)
        var counts = SimulationHistory.Counts()
        var failing: [UInt64] = []
        var siblingKeys = 0
        var faults = FaultCounts()
        let clock = ContinuousClock()
        let start = clock.now
        for seed in seeds {
            let run = Simulation.run(seed: seed)
            let violations = ConsistencyChecker.check(run.history)
            counts = counts + run.history.counts
            faults = faults + run.faults
            siblingKeys += run.history.finalState.filter { $0.values.count > 1 }.count
            if !violations.isEmpty { failing.append(seed) }
            #expect(violations.isEmpty, "seed \(seed): \(SimulationReport.describe(run, violations))")
        }
        print("simulation seeds \(seeds): \(counts); \(siblingKeys) keys end with siblings; faults: \(faults); "
            + "\(clock.now - start); failing seeds: \(failing)")
        // The faults must bite, or the checker has nothing to judge; and the pipeline's hard paths
        // must have run: storage completing later (as on RocksDB's threads), cap refusals, writes
        // applied and then failed (possibly-applied), and coordinator timers on the node's grain.
        #expect(counts.acknowledged > 0 && counts.possiblyApplied > 0 && counts.noAnswer > 0 && siblingKeys > 0
                    && faults.partitioned > 0 && faults.refused > 0 && faults.lostCoordinations > 0,
                "seeds \(seeds) exercised too little: \(counts), \(siblingKeys) keys with siblings, \(faults)")
        #expect(faults.storageCompletions > 0 && faults.capRefusals > 0 && faults.possiblyAppliedFaults > 0
                    && faults.notAppliedFaults + faults.readFaults > 0 && faults.timerWakeUps > 0,
                "seeds \(seeds) did not reach the pipeline's hard paths: \(faults)")
        #expect(faults.timerWakeUpsOffGrain == 0, "timers off the \(CoordinatorTimers.grain) ns grain: \(faults)")
        // Sloppy quorum and hinted handoff must have run: hints stored on fallbacks and handed
        // to their owners (the checker's handoff rule then judged every one).
        #expect(faults.hintsStored > 0 && faults.hintsDelivered > 0 && counts.sloppy > 0,
                "seeds \(seeds) stored or delivered no hints: \(counts), \(faults)")
        // Clients also reach nodes outside a key's preference list, so writes are forwarded (and
        // now and then coordinated there under the fallback actor, when no replica is in reach:
        // a regression seed keeps one such schedule).
        #expect(faults.forwardedWrites > 0, "seeds \(seeds) forwarded no write: \(faults)")
    }

    @Test("the same seed gives the same trace")
    func sameSeedSameTrace() {
        for seed: UInt64 in [3, 77, 4096, .max] {
            let first = Simulation.run(seed: seed)
            let second = Simulation.run(seed: seed)
            #expect(first.trace.hash == second.trace.hash, "seed \(seed)")
            #expect(first.trace.lines == second.trace.lines, "seed \(seed)")
            #expect(first == second, "seed \(seed)")
        }
        #expect(Simulation.run(seed: 1).trace.hash != Simulation.run(seed: 2).trace.hash)
    }
}

import GyreModel
import GyreTestKit
import Testing

/// Named seeds, replayed on every run. When a seed fails anywhere (``SimulationTests`` prints
/// it), add it here with a comment saying what went wrong and why, then fix the cause.
///
/// A seed names a schedule only as long as the simulator draws the same choices from it: when
/// a change to the simulator's draws moves a seed off what it was kept for (the second
/// expectation below), find a new seed that shows it and replace the number.
@Suite struct RegressionSeeds {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let seed: UInt64
        /// What the schedule must still exercise for the seed to mean what its name says.
        let exercises: @Sendable (SimulationRun) -> Bool

        var testDescription: String { "\(name) (seed \(seed))" }
    }

    static let cases: [Case] = [
        // No seed has failed yet. This one has a partition and a crash at once, so coordinators
        // often reach only themselves or fallbacks: writes come back possibly-applied or with
        // hinted acknowledgements, a crashed coordinator leaves a client without an answer, a
        // storage write is applied and then fails, a key reaches its sibling cap, and hints are
        // handed off. (Seeds 63, 211, 1798, 716 and 254 showed this before; the simulator's draws moved
        // with the node's own pipeline, with sloppy quorum, with coordinators keeping hints, with
        // long outages, and with clients reaching any node.)
        Case(name: "a partition during a crash, with storage faults, a cap refusal and handoff", seed: 564) { run in
            run.schedule.partition != nil && run.schedule.crash != nil && run.faults.partitioned > 0
                && run.faults.refused > 0 && run.faults.lostCoordinations > 0
                && run.history.counts.possiblyApplied > 0 && run.history.counts.noAnswer > 0
                && run.faults.possiblyAppliedFaults > 0 && run.faults.capRefusals > 0
                && run.faults.hintsStored > 0 && run.faults.hintsDelivered > 0
        },
        // Two nodes down until the heal, each holding a third of the keys: writes go on through
        // fallbacks (sloppy answers), and the returning owners get every hint.
        Case(name: "two nodes down for the rest of the run, then handed everything they missed", seed: 92) { run in
            guard let first = run.schedule.crash, let second = run.schedule.secondCrash else { return false }
            let long = 2 * run.schedule.expectedWorkingTime
            return first.end - first.start > long && second.end - second.start > long
                && run.faults.hintsDelivered > 5 && run.history.counts.sloppy > 5
        },
        // Clients reach a node cut from all three owners of their key: it coordinates the writes
        // itself, under its fallback actor, and hands them home after the heal.
        Case(name: "writes coordinated with no replica in reach, then handed home", seed: 26) { run in
            run.faults.offReplicaWrites >= 2 && run.faults.hintsDelivered > 3
        },
    ]

    @Test(arguments: cases)
    func replay(_ regression: Case) {
        let run = Simulation.run(seed: regression.seed)
        let violations = ConsistencyChecker.check(run.history)
        #expect(violations.isEmpty, "seed \(regression.seed): \(SimulationReport.describe(run, violations))")
        #expect(regression.exercises(run), "seed \(regression.seed) no longer exercises \(regression.name): \(run.schedule); \(run.faults)")
    }
}

import GyreModel

/// Failure reports for simulated runs: enough to understand a failing seed without rerunning it.
public enum SimulationReport {
    /// The seed, the schedule, the violations, the operations on the keys involved, and the end
    /// of the trace.
    public static func describe(_ run: SimulationRun, _ violations: [Violation], traceLines: Int = 60) -> String {
        var lines = ["seed \(run.schedule.seed) (replay: Simulation.run(seed: \(run.schedule.seed)))",
                     "schedule: \(run.schedule)",
                     "\(violations.count) violation(s):"]
        lines += violations.prefix(20).map { "  \($0)" }
        let keys = Set(violations.compactMap(\.key))
        let involved = run.history.operations.filter { keys.contains($0.key) }
        lines.append("operations on \(keys.map(\.description).sorted().joined(separator: ", ")):")
        lines += involved.prefix(80).map { "  \($0)" }
        for final in run.history.finalState where keys.contains(final.key) {
            lines.append("final \(final.key): [\(final.values.map(Operation.show).joined(separator: ","))]")
        }
        lines.append("trace (last \(traceLines) of \(run.trace.lines.count) lines, hash \(run.trace.hash)):")
        lines.append(run.trace.tail(traceLines))
        return lines.joined(separator: "\n")
    }
}

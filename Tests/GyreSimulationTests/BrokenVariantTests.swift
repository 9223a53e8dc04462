import GyreCore
import GyreModel
import GyrePipeline
import GyreTestKit
import Testing

/// The checker must catch stores that lose or resurrect writes: the same schedules against
/// nodes with a deliberately broken step. Last-write-wins is the one the issue names; the others
/// are plausible slips in the real pipeline.
@Suite struct BrokenVariantTests {
    /// Runs seeds 1...`count` against `versioning`; returns the failing seeds and the rules broken.
    static func judge<Versioning: ReplicaVersioning>(_ versioning: Versioning,
                                                     seeds count: UInt64) -> (caught: [UInt64], rules: Set<Violation.Rule>) {
        var caught: [UInt64] = []
        var rules: Set<Violation.Rule> = []
        for seed in 1...count {
            let violations = ConsistencyChecker.check(Simulation.run(seed: seed, versioning: versioning).history)
            if !violations.isEmpty { caught.append(seed) }
            rules.formUnion(violations.map(\.rule))
        }
        print("\(versioning.name): caught on \(caught.count) of seeds 1...\(count) \(caught); rules: "
            + rules.map(\.rawValue).sorted().joined(separator: ", "))
        return (caught, rules)
    }

    @Test("a last-write-wins merge is caught")
    func lastWriteWins() {
        let (caught, rules) = Self.judge(LastWriteWinsVersioning(), seeds: 20)
        #expect(caught.count >= 10, "last-write-wins caught on only \(caught) of seeds 1...20")
        #expect(rules.contains(.collapsedSiblings) || rules.contains(.lostWrite), "\(rules)")
    }

    @Test("answers that hide siblings behind a context that covers them are caught")
    func hiddenSiblings() {
        let (caught, rules) = Self.judge(HiddenSiblingsVersioning(), seeds: 10)
        #expect(!caught.isEmpty)
        #expect(rules.contains(.collapsedSiblings) || rules.contains(.lostWrite), "\(rules)")
    }

    @Test("a replica that overwrites instead of merging is caught")
    func overwritingReplica() {
        let (caught, _) = Self.judge(OverwritingVersioning(), seeds: 10)
        #expect(!caught.isEmpty)
    }

    @Test("a fallback that deletes a hint before its owner acknowledged it is caught")
    func hintDeletedBeforeAcknowledgement() {
        var caught: [UInt64] = []
        for seed in UInt64(1)...100 {
            let run = Simulation.run(seed: seed, handoffOrder: .deleteBeforeSending)
            if ConsistencyChecker.check(run.history).contains(where: { $0.rule == .handoff }) { caught.append(seed) }
        }
        print("hints deleted before acknowledgement: caught on \(caught.count) of seeds 1...100 \(caught)")
        #expect(!caught.isEmpty, "deleting hints before the owner's acknowledgement went unnoticed on seeds 1...100")
    }

    @Test("a coordinator that ignores the client's context is caught")
    func ignoredContext() {
        let (caught, rules) = Self.judge(IgnoredContextVersioning(), seeds: 10)
        #expect(!caught.isEmpty)
        #expect(rules.contains(.resurrected), "\(rules)")
    }
}

/// ``CausalVersioning`` with one step replaced; the default steps are the real ones (with the
/// simulation's caps).
protocol CausalMutant: ReplicaVersioning where Version == VersionSet {}

extension CausalMutant {
    var real: CausalVersioning { CausalVersioning(limits: SimulationSchedule.defaultVersionLimits) }

    func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue, actor: NodeID,
                         now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        real.coordinateWrite(current: current, context: context, value: value, actor: actor, now: now)
    }

    func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet {
        real.absorb(current: current, incoming: incoming)
    }

    func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        real.clientView(of: versions)
    }

    func history(of versions: VersionSet) -> VersionVector { versions.context }
    func encode(_ versions: VersionSet) -> [UInt8] { versions.encode() }
    func decode(_ bytes: [UInt8]) throws -> VersionSet { try real.decode(bytes) }
}

/// Answers list one sibling but hand back the context of all (the hazard docs/ARCHITECTURE.md
/// warns of for put answers): the client's next write supersedes siblings it never saw.
struct HiddenSiblingsVersioning: CausalMutant {
    var name: String { "hidden siblings" }

    func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        let view = real.clientView(of: versions)
        return (Array(view.values.prefix(1)), view.context)
    }
}

/// A replica stores what arrives instead of merging it with what it holds.
struct OverwritingVersioning: CausalMutant {
    var name: String { "overwriting replica" }

    func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet { incoming }
}

/// The coordinator treats every put as blind: nothing is ever superseded.
struct IgnoredContextVersioning: CausalMutant {
    var name: String { "ignored context" }

    func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue, actor: NodeID,
                         now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        let effective = value.isTombstone ? context : nil
        return real.coordinateWrite(current: current, context: effective, value: value, actor: actor, now: now)
    }
}

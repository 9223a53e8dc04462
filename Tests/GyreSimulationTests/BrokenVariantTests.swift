import GyreCore
import GyreModel
import GyreTestKit
import Testing

/// The checker must catch stores that lose or resurrect writes: the same schedules against
/// nodes with a deliberately broken step. Last-write-wins is the one the issue names; the others
/// are plausible slips in the real pipeline.
@Suite struct BrokenVariantTests {
    /// Runs seeds 1...`count` against `versioning`; returns the failing seeds and the rules broken.
    static func judge<Versioning: ReplicaVersioning>(_ versioning: Versioning.Type,
                                                     seeds count: UInt64) -> (caught: [UInt64], rules: Set<Violation.Rule>) {
        var caught: [UInt64] = []
        var rules: Set<Violation.Rule> = []
        for seed in 1...count {
            let violations = ConsistencyChecker.check(Simulation.run(seed: seed, versioning: versioning).history)
            if !violations.isEmpty { caught.append(seed) }
            rules.formUnion(violations.map(\.rule))
        }
        print("\(Versioning.name): caught on \(caught.count) of seeds 1...\(count) \(caught); rules: "
            + rules.map(\.rawValue).sorted().joined(separator: ", "))
        return (caught, rules)
    }

    @Test("a last-write-wins merge is caught")
    func lastWriteWins() {
        let (caught, rules) = Self.judge(LastWriteWinsVersioning.self, seeds: 20)
        #expect(caught.count >= 10, "last-write-wins caught on only \(caught) of seeds 1...20")
        #expect(rules.contains(.collapsedSiblings) || rules.contains(.lostWrite), "\(rules)")
    }

    @Test("answers that hide siblings behind a context that covers them are caught")
    func hiddenSiblings() {
        let (caught, rules) = Self.judge(HiddenSiblingsVersioning.self, seeds: 10)
        #expect(!caught.isEmpty)
        #expect(rules.contains(.collapsedSiblings) || rules.contains(.lostWrite), "\(rules)")
    }

    @Test("a replica that overwrites instead of merging is caught")
    func overwritingReplica() {
        let (caught, _) = Self.judge(OverwritingVersioning.self, seeds: 10)
        #expect(!caught.isEmpty)
    }

    @Test("a coordinator that ignores the client's context is caught")
    func ignoredContext() {
        let (caught, rules) = Self.judge(IgnoredContextVersioning.self, seeds: 10)
        #expect(!caught.isEmpty)
        #expect(rules.contains(.resurrected), "\(rules)")
    }
}

/// ``CausalVersioning`` with one step replaced; the default steps are the real ones.
protocol CausalMutant: ReplicaVersioning where Version == VersionSet {}

extension CausalMutant {
    static func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue, actor: NodeID,
                                now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        CausalVersioning.coordinateWrite(current: current, context: context, value: value, actor: actor, now: now)
    }

    static func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet {
        CausalVersioning.absorb(current: current, incoming: incoming)
    }

    static func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        CausalVersioning.clientView(of: versions)
    }

    static func history(of versions: VersionSet) -> VersionVector { versions.context }
    static func encode(_ versions: VersionSet) -> [UInt8] { versions.encode() }
    static func decode(_ bytes: [UInt8]) -> VersionSet? { CausalVersioning.decode(bytes) }
}

/// Answers list one sibling but hand back the context of all (the hazard docs/ARCHITECTURE.md
/// warns of for put answers): the client's next write supersedes siblings it never saw.
enum HiddenSiblingsVersioning: CausalMutant {
    static var name: String { "hidden siblings" }

    static func clientView(of versions: VersionSet?) -> (values: [[UInt8]], context: VersionVector) {
        let view = CausalVersioning.clientView(of: versions)
        return (Array(view.values.prefix(1)), view.context)
    }
}

/// A replica stores what arrives instead of merging it with what it holds.
enum OverwritingVersioning: CausalMutant {
    static var name: String { "overwriting replica" }

    static func absorb(current: VersionSet?, incoming: VersionSet) -> VersionSet { incoming }
}

/// The coordinator treats every put as blind: nothing is ever superseded.
enum IgnoredContextVersioning: CausalMutant {
    static var name: String { "ignored context" }

    static func coordinateWrite(current: VersionSet?, context: VersionVector?, value: StoredValue, actor: NodeID,
                                now: UInt64) -> Result<VersionSet, ReplicaLogic.WriteRefusal> {
        let effective = value.isTombstone ? context : nil
        return CausalVersioning.coordinateWrite(current: current, context: effective, value: value, actor: actor, now: now)
    }
}

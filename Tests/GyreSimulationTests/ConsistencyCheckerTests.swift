import GyreCore
import GyreModel
import GyreTestKit
import Testing

/// Hand-written histories of one key, to pin the checker's rules independently of any cluster.
struct HistoryBuilder {
    var operations: [Operation] = []
    var observations = StorageObservations()
    var time: UInt64 = 0
    let key = Key("k")
    let node = NodeID(high: 0, low: 1)

    /// A put by client 0; `answer` nil means OK with `[own value] + siblings`.
    mutating func put(_ sequence: Int, basis: Operation.Basis = .none, siblings: [WriteID] = [],
                      answer: Operation.Outcome? = nil, stored: Bool = true, holders: Int = 2) -> WriteID {
        let write = WriteID(client: 0, sequence: sequence)
        let outcome = answer ?? .ok([write.payload] + siblings.map(\.payload))
        append(.put(write), basis: basis, outcome: outcome)
        if stored {
            observations.applied[write] = .init(node: 0, time: time - 5, dot: Dot(actor: node, counter: UInt64(sequence + 1)))
        }
        observations.holdersAtAnswer[write] = stored ? holders : 0
        return write
    }

    mutating func delete(_ sequence: Int, basis: Operation.Basis) -> WriteID {
        let write = WriteID(client: 0, sequence: sequence)
        append(.delete(write), basis: basis, outcome: .ok([]))
        observations.applied[write] = .init(node: 0, time: time - 5, dot: Dot(actor: node, counter: UInt64(sequence + 1)))
        observations.holdersAtAnswer[write] = 2
        return write
    }

    /// A get showing `values`; returns its operation index.
    mutating func get(_ values: [WriteID]) -> Int {
        append(.get, basis: .none, outcome: .ok(values.map(\.payload)))
        return operations.count - 1
    }

    private mutating func append(_ kind: Operation.Kind, basis: Operation.Basis, outcome: Operation.Outcome) {
        time += 10
        operations.append(Operation(index: operations.count, client: 0, key: key, kind: kind, basis: basis, coordinator: 0,
                                    invokedAt: time, completedAt: time + 5, outcome: outcome))
        time += 10
    }

    func check(final: [WriteID]) -> [Violation.Rule] {
        let values = final.map(\.payload)
        let state = FinalKeyState(key: key, values: values, reads: [FinalRead(node: 0, values: values)],
                                  divergentReplicas: [], strayHolders: [])
        let history = SimulationHistory(operations: operations, observations: observations, finalState: [state], writeQuorum: 2)
        return ConsistencyChecker.check(history).map(\.rule)
    }
}

@Suite struct ConsistencyCheckerTests {
    @Test func readModifyWriteSupersedes() {
        var h = HistoryBuilder()
        let a = h.put(0)
        let read = h.get([a])
        let b = h.put(1, basis: .read(read))
        #expect(h.check(final: [b]) == [])
        #expect(h.check(final: [a, b]) == [.resurrected])
    }

    @Test func aMissingAcknowledgedWriteIsLost() {
        var h = HistoryBuilder()
        _ = h.put(0)
        #expect(h.check(final: []) == [.lostWrite])
    }

    @Test func concurrentWritesMustBothSurvive() {
        var h = HistoryBuilder()
        let a = h.put(0)
        let b = h.put(1, siblings: [a])
        #expect(h.check(final: [a, b]) == [])
        #expect(h.check(final: [b]) == [.collapsedSiblings])
    }

    @Test func aPutAnswerContextSupersedesTheSiblingsItListed() {
        var h = HistoryBuilder()
        let a = h.put(0)
        let b = h.put(1, siblings: [a])
        let c = h.put(2, basis: .write(1))
        #expect(h.check(final: [c]) == [])
        #expect(h.check(final: [b, c]) == [.resurrected])
    }

    @Test func supersededByAStoredButUnacknowledgedWrite() {
        var h = HistoryBuilder()
        let a = h.put(0)
        let read = h.get([a])
        let b = h.put(1, basis: .read(read), answer: .writeFailed(acks: 1, outcome: .possiblyApplied), holders: 1)
        #expect(h.check(final: [b]) == [])
        // A write that never reached storage supersedes nothing.
        var lost = HistoryBuilder()
        let x = lost.put(0)
        let readX = lost.get([x])
        _ = lost.put(1, basis: .read(readX), answer: .noAnswer, stored: false)
        #expect(lost.check(final: [x]) == [])
        #expect(lost.check(final: []) == [.lostWrite])
    }

    @Test func deletesSupersedeWhatTheirContextSaw() {
        var h = HistoryBuilder()
        let a = h.put(0)
        let read = h.get([a])
        _ = h.delete(1, basis: .read(read))
        #expect(h.check(final: []) == [])
        #expect(h.check(final: [a]) == [.resurrected])
    }

    @Test func notAppliedMeansNowhere() {
        var h = HistoryBuilder()
        _ = h.put(0, answer: .writeFailed(acks: 0, outcome: .notApplied), stored: false)
        #expect(h.check(final: []) == [])
        var stored = HistoryBuilder()
        let a = stored.put(0, answer: .writeFailed(acks: 0, outcome: .notApplied), stored: true)
        #expect(stored.check(final: [a]).contains(.misclassified))
    }

    @Test func possiblyAppliedNeedsAHolder() {
        var h = HistoryBuilder()
        _ = h.put(0, answer: .writeFailed(acks: 1, outcome: .possiblyApplied), stored: false)
        #expect(h.check(final: []) == [.misclassified])
    }

    @Test func anAcknowledgementNeedsWHolders() {
        var h = HistoryBuilder()
        let a = h.put(0, holders: 1)
        #expect(h.check(final: [a]) == [.misclassified])
    }

    @Test func aReadAfterAnAcknowledgedWriteSeesIt() {
        var h = HistoryBuilder()
        let a = h.put(0)
        _ = h.get([])
        #expect(h.check(final: [a]) == [.staleRead])
        var superseded = HistoryBuilder()
        let x = superseded.put(0)
        let read = superseded.get([x])
        let y = superseded.put(1, basis: .read(read))
        _ = superseded.get([x])
        // It misses y, and shows x, which y superseded.
        #expect(superseded.check(final: [y]) == [.staleRead, .staleRead])
    }

    @Test func valuesNobodyStoredArePhantoms() {
        var h = HistoryBuilder()
        let a = h.put(0, answer: .noAnswer, stored: false)
        #expect(h.check(final: [a]) == [.phantom])
    }
}

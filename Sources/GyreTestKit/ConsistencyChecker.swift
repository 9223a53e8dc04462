import GyreCore
public import GyreModel

/// A property of the history that does not hold, with the evidence.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    public enum Rule: String, Sendable, CaseIterable {
        /// A write that was stored is neither in the final state nor causally superseded.
        case lostWrite = "lost write"
        /// Two concurrent acknowledged writes where only one survives.
        case collapsedSiblings = "collapsed siblings"
        /// A value present (finally, or in a read) although a stored write superseded it.
        case resurrected
        /// A value that no write stored, from another key, or before it was stored.
        case phantom
        /// An answer whose possibly-applied / not-applied / ok claim the storage contradicts.
        case misclassified
        /// A read that missed a write acknowledged before it began (R + W > N promises it, for
        /// a write acknowledged by the key's own replicas and a read answered by them alone).
        case staleRead = "stale read"
        /// A hint still held after the heal and quiet, or deleted before its owner held what it
        /// carried (hinted handoff's contract).
        case handoff = "handoff"
        /// Replicas that still disagree after the heal and the final reads.
        case notConverged = "not converged"
    }

    public var rule: Rule
    public var key: Key?
    public var message: String

    public init(_ rule: Rule, key: Key?, _ message: String) {
        self.rule = rule
        self.key = key
        self.message = message
    }

    public var description: String { "[\(rule.rawValue)]\(key.map { " \($0):" } ?? "") \(message)" }
}

/// Judges a ``SimulationHistory`` with its own model of causality, independent of how the
/// cluster versions values.
///
/// The model: a write *saw* the values its context came with (the get's values for a context
/// from a get, the answer's siblings for a context from a put's answer, nothing for a blind
/// write); its *history* is what it saw plus, transitively, their histories. A write is
/// *superseded* when a write that was stored (``StorageObservations/applied``) has it in its
/// history. Rules:
/// 1. The final state (the merge of every replica) is exactly the stored puts that are not
///    superseded: a missing one is a lost write (a collapse when an acknowledged write concurrent
///    with it survived instead), a superseded one present is a resurrection, a never-stored one
///    is a phantom. Tombstones supersede what their context covered and are never visible.
/// 2. Answers: an OK write was held by at least W replicas when answered and a put's answer
///    lists its own value; possibly-applied by at least one; not-applied by none, and then no
///    replica ever stored it and no answer ever showed it.
/// 3. Every value an answer shows is a stored put of that key, stored before the answer.
/// 4. A get that began after a write was acknowledged shows that write or a stored write that
///    superseded it, and shows nothing that write superseded (R + W > N, durable replicas), when
///    neither answer was sloppy (hinted acknowledgements, fallback answers).
/// 6. Handoff: after the heal and quiet no hint is left, and every owner holds every event that
///    was ever held in a hint for it (checked before the final reads, which repair).
/// 5. After the heal every final read (R = N, at each replica) returns the final state, every
///    replica stores the same versions, and no node outside the preference list holds any.
public enum ConsistencyChecker {
    public static func check(_ history: SimulationHistory) -> [Violation] {
        var checker = Run(history)
        checker.checkFinalState()
        checker.checkAnswers()
        checker.checkHandoff()
        checker.checkReads()
        checker.checkConvergence()
        var unique: [Violation] = []
        for violation in checker.violations where !unique.contains(violation) { unique.append(violation) }
        return unique
    }

    private struct Run {
        let history: SimulationHistory
        let operations: [Operation]
        let applied: [WriteID: StorageObservations.Applied]
        /// The operation of each write.
        var writeOperation: [WriteID: Int] = [:]
        var historyCache: [WriteID: Set<WriteID>] = [:]
        var violations: [Violation] = []

        init(_ history: SimulationHistory) {
            self.history = history
            operations = history.operations
            applied = history.observations.applied
            for operation in operations {
                if let write = operation.write { writeOperation[write] = operation.index }
            }
        }

        // MARK: the causal model

        /// The writes named by `values` (undecodable values are reported and skipped).
        mutating func writes(in values: [[UInt8]], shownBy operation: Operation) -> [WriteID] {
            values.compactMap { value in
                guard let id = WriteID(payload: value), writeOperation[id] != nil else {
                    violations.append(Violation(.phantom, key: operation.key, "#\(operation.index) showed a value no client wrote: \(value)"))
                    return nil
                }
                return id
            }
        }

        /// What `operation`'s context came with.
        mutating func saw(_ operation: Operation) -> [WriteID] {
            let source: Int
            switch operation.basis {
            case .none: return []
            case let .read(index), let .write(index): source = index
            }
            guard case let .ok(values) = operations[source].outcome else { return [] }
            return writes(in: values, shownBy: operations[source])
        }

        /// Every write causally before `write`.
        mutating func causalHistory(of write: WriteID) -> Set<WriteID> {
            if let cached = historyCache[write] { return cached }
            historyCache[write] = []   // a cycle (impossible unless answers lie) ends here
            guard let index = writeOperation[write] else { return [] }
            var result: Set<WriteID> = []
            for seen in saw(operations[index]) where seen != write {
                result.insert(seen)
                result.formUnion(causalHistory(of: seen))
            }
            historyCache[write] = result
            return result
        }

        /// For each superseded write of `key`, the first stored write (by invocation) that did it.
        mutating func supersessions(of key: Key) -> [WriteID: WriteID] {
            let operations = self.operations
            var result: [WriteID: WriteID] = [:]
            for operation in operations where operation.key == key {
                guard let write = operation.write, applied[write] != nil else { continue }
                for seen in causalHistory(of: write).sorted() where result[seen] == nil { result[seen] = write }
            }
            return result
        }

        func isPut(_ write: WriteID) -> Bool {
            guard let index = writeOperation[write], case .put = operations[index].kind else { return false }
            return true
        }

        func isAcknowledged(_ write: WriteID) -> Bool {
            guard let index = writeOperation[write], case .ok = operations[index].outcome else { return false }
            return true
        }

        // MARK: rule 1, the final state

        mutating func checkFinalState() {
            let operations = self.operations
            for final in history.finalState {
                let key = final.key
                let superseded = supersessions(of: key)
                let probe = Operation(index: -1, client: -1, key: key, kind: .get, basis: .none, coordinator: nil,
                                      invokedAt: 0, completedAt: 0, outcome: .ok(final.values))
                let present = Set(writes(in: final.values, shownBy: probe))
                let stored = operations.filter { $0.key == key }.compactMap(\.write).filter { applied[$0] != nil }
                let expected = stored.filter { isPut($0) && superseded[$0] == nil }
                for write in expected where !present.contains(write) {
                    let operation = operations[writeOperation[write]!]
                    if isAcknowledged(write) {
                        let survivor = present.sorted().first { other in
                            isAcknowledged(other) && !causalHistory(of: write).contains(other)
                                && !causalHistory(of: other).contains(write)
                        }
                        if let survivor {
                            violations.append(Violation(.collapsedSiblings, key: key,
                                "acknowledged \(write) (#\(operation.index)) and \(survivor) (#\(writeOperation[survivor]!)) are concurrent, only \(survivor) survives"))
                        } else {
                            violations.append(Violation(.lostWrite, key: key,
                                "acknowledged \(write) (#\(operation.index)) is neither present nor superseded"))
                        }
                    } else {
                        violations.append(Violation(.lostWrite, key: key,
                            "\(write) (#\(operation.index), \(operation.outcome)) was stored by n\(applied[write]!.node) but is neither present nor superseded"))
                    }
                }
                for write in present.sorted() {
                    let operation = operations[writeOperation[write]!]
                    if operation.key != key {
                        violations.append(Violation(.phantom, key: key, "\(write) belongs to key \(operation.key)"))
                    } else if applied[write] == nil {
                        violations.append(Violation(.phantom, key: key, "\(write) (#\(operation.index)) is present but no coordinator stored it"))
                    } else if let by = superseded[write] {
                        violations.append(Violation(.resurrected, key: key,
                            "\(write) is present though \(by) (#\(writeOperation[by]!)) superseded it"))
                    }
                }
            }
        }

        // MARK: rule 2, answers

        mutating func checkAnswers() {
            let operations = self.operations
            var shown: Set<WriteID> = []
            for operation in operations {
                if case let .ok(values) = operation.outcome { shown.formUnion(values.compactMap(WriteID.init(payload:))) }
            }
            for final in history.finalState { shown.formUnion(final.values.compactMap(WriteID.init(payload:))) }
            let w = history.writeQuorum
            for operation in operations {
                guard let write = operation.write else { continue }
                let holders = history.observations.holdersAtAnswer[write] ?? 0
                switch operation.outcome {
                case let .ok(values):
                    if applied[write] == nil {
                        violations.append(Violation(.misclassified, key: operation.key, "#\(operation.index) acknowledged \(write), which no coordinator stored"))
                    } else if holders < w {
                        violations.append(Violation(.misclassified, key: operation.key,
                            "#\(operation.index) acknowledged \(write) while \(holders) node(s) held it (W = \(w))"))
                    }
                    if case .put = operation.kind, !values.contains(write.payload) {
                        violations.append(Violation(.lostWrite, key: operation.key,
                            "#\(operation.index)'s answer does not list its own value \(write): [\(values.map(Operation.show).joined(separator: ","))]"))
                    }
                case .writeFailed(_, .possiblyApplied):
                    if holders < 1 {
                        violations.append(Violation(.misclassified, key: operation.key,
                            "#\(operation.index) answered possibly-applied for \(write) but no replica held it"))
                    }
                case let .writeFailed(acks, .notApplied):
                    if acks != 0 || applied[write] != nil || shown.contains(write) {
                        let stored = applied[write].map { "stored by n\($0.node) at \(SimulationTrace.format($0.time))" } ?? "not stored"
                        violations.append(Violation(.misclassified, key: operation.key,
                            "#\(operation.index) answered not-applied (acks \(acks)) for \(write): \(stored)\(shown.contains(write) ? ", shown by a read" : "")"))
                    }
                case .noAnswer, .readFailed:
                    break
                }
            }
        }

        // MARK: rules 3 and 4, what answers show

        mutating func checkReads() {
            let operations = self.operations
            for operation in operations {
                guard case let .ok(values) = operation.outcome else { continue }
                let seen = writes(in: values, shownBy: operation)
                for write in seen {
                    let source = operations[writeOperation[write]!]
                    if source.key != operation.key {
                        violations.append(Violation(.phantom, key: operation.key, "#\(operation.index) showed \(write) of key \(source.key)"))
                    } else if let stored = applied[write], stored.time <= operation.completedAt {
                        continue
                    } else {
                        violations.append(Violation(.phantom, key: operation.key,
                            "#\(operation.index) showed \(write) before any coordinator stored it"))
                    }
                }
                guard operation.kind == .get else { continue }
                let shown = Set(seen)
                for earlier in operations where earlier.key == operation.key && earlier.completedAt < operation.invokedAt {
                    guard let write = earlier.write, case .ok = earlier.outcome else { continue }
                    // A sloppy quorum does not promise that a read sees every acknowledged write:
                    // only a write acknowledged by the key's own replicas, read from them alone.
                    if isPut(write) && !shown.contains(write) && !earlier.sloppy && !operation.sloppy {
                        let explained = operations.contains { other in
                            guard other.key == operation.key, let later = other.write, let stored = applied[later],
                                  stored.time <= operation.completedAt else { return false }
                            return causalHistory(of: later).contains(write)
                        }
                        if !explained {
                            violations.append(Violation(.staleRead, key: operation.key,
                                "get #\(operation.index) misses \(write), acknowledged by #\(earlier.index) before the get began, and nothing stored had superseded it"))
                        }
                    }
                    for old in causalHistory(of: write).sorted() where shown.contains(old) && !earlier.sloppy && !operation.sloppy {
                        violations.append(Violation(.staleRead, key: operation.key,
                            "get #\(operation.index) shows \(old), which \(write) (#\(earlier.index), acknowledged before the get began) superseded"))
                    }
                }
            }
        }

        // MARK: rule 6, handoff

        mutating func checkHandoff() {
            for problem in history.handoffProblems { violations.append(Violation(.handoff, key: nil, problem)) }
        }

        // MARK: rule 5, convergence

        mutating func checkConvergence() {
            for final in history.finalState {
                let expected = final.values.map(Operation.show).sorted()
                for read in final.reads {
                    guard let values = read.values else {
                        violations.append(Violation(.notConverged, key: final.key, "the final read at n\(read.node) failed"))
                        continue
                    }
                    let got = values.map(Operation.show).sorted()
                    if got != expected {
                        violations.append(Violation(.notConverged, key: final.key,
                            "the final read at n\(read.node) returned [\(got.joined(separator: ","))], the replicas' merge holds [\(expected.joined(separator: ","))]"))
                    }
                }
                if !final.divergentReplicas.isEmpty {
                    violations.append(Violation(.notConverged, key: final.key,
                        "replicas \(final.divergentReplicas.map { "n\($0)" }.joined(separator: ",")) differ from the merge after read repair"))
                }
                if !final.strayHolders.isEmpty {
                    violations.append(Violation(.notConverged, key: final.key,
                        "nodes outside the preference list hold versions: \(final.strayHolders.map { "n\($0)" }.joined(separator: ","))"))
                }
            }
        }
    }
}

public import GyreCore
public import GyreModel
public import GyreStorage

/// Names one client write (a put or a delete): the client and its write counter. A put's value
/// bytes are this id's ``payload``, so every value in the simulation is unique and a read's
/// values name the writes they came from.
public struct WriteID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var client: Int
    public var sequence: Int

    public init(client: Int, sequence: Int) {
        self.client = client
        self.sequence = sequence
    }

    /// The value bytes of this write when it is a put: `c<client>.<sequence>`.
    public var payload: [UInt8] { Array(description.utf8) }

    /// The write a value came from, or nil when the bytes are not a ``payload``.
    public init?(payload: [UInt8]) {
        guard payload.first == UInt8(ascii: "c") else { return nil }
        let parts = payload.dropFirst().split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2, let client = Self.number(parts[0]), let sequence = Self.number(parts[1]) else { return nil }
        self.init(client: client, sequence: sequence)
    }

    public var description: String { "c\(client).\(sequence)" }

    public static func < (lhs: WriteID, rhs: WriteID) -> Bool {
        (lhs.client, lhs.sequence) < (rhs.client, rhs.sequence)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count < 10 else { return nil }
        var result = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            result = result * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return result
    }
}

/// One client operation as the client saw it: what it asked, when, and what came back.
public struct Operation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case get
        /// A put of `write.payload`.
        case put(WriteID)
        /// A tombstone.
        case delete(WriteID)
    }

    /// Where a write's causal context came from.
    public enum Basis: Sendable, Equatable {
        /// No context: a blind write.
        case none
        /// The context of the get with this operation index.
        case read(Int)
        /// The context a put's answer returned (operation index).
        case write(Int)
    }

    /// How the operation ended for the client.
    public enum Outcome: Sendable, Equatable {
        /// Success: a get's values, a put's answer values (every sibling after the write), a
        /// delete's nothing.
        case ok([[UInt8]])
        /// A read that could not reach R replicas.
        case readFailed
        /// A write answered with fewer than W acknowledgements (or refused), and its outcome.
        case writeFailed(acks: Int, outcome: WriteOutcome)
        /// No answer before the client's deadline.
        case noAnswer
    }

    /// Index in ``SimulationHistory/operations``.
    public var index: Int
    public var client: Int
    public var key: Key
    public var kind: Kind
    public var basis: Basis
    /// The node the client sent it to (nil when none of the key's replicas was up).
    public var coordinator: Int?
    public var invokedAt: UInt64
    public var completedAt: UInt64
    public var outcome: Outcome
    /// The answer involved fallbacks (a write with hinted acknowledgements, a read that heard
    /// from fallbacks): a sloppy quorum, whose reads may miss writes (Dynamo's trade).
    public var sloppy = false

    public init(index: Int, client: Int, key: Key, kind: Kind, basis: Basis, coordinator: Int?,
                invokedAt: UInt64, completedAt: UInt64, outcome: Outcome) {
        self.index = index
        self.client = client
        self.key = key
        self.kind = kind
        self.basis = basis
        self.coordinator = coordinator
        self.invokedAt = invokedAt
        self.completedAt = completedAt
        self.outcome = outcome
    }

    /// The write this operation made, if it is a put or a delete.
    public var write: WriteID? {
        switch kind {
        case .get: return nil
        case let .put(id), let .delete(id): return id
        }
    }

    /// True for a put or a delete.
    public var isWrite: Bool { write != nil }

    public var description: String {
        let what: String
        switch kind {
        case .get: what = "get"
        case let .put(id): what = "put \(id)"
        case let .delete(id): what = "delete \(id)"
        }
        let basisText: String
        switch basis {
        case .none: basisText = ""
        case let .read(op): basisText = " ctx=get#\(op)"
        case let .write(op): basisText = " ctx=put#\(op)"
        }
        let result: String
        switch outcome {
        case let .ok(values): result = "ok [" + values.map(Self.show).joined(separator: ",") + "]"
        case .readFailed: result = "unavailable"
        case let .writeFailed(acks, outcome): result = "unavailable acks=\(acks) \(outcome.rawValue)"
        case .noAnswer: result = "no answer"
        }
        let via = coordinator.map { " via n\($0)" } ?? ""
        return "#\(index) client \(client) \(what) \(key)\(basisText)\(via) "
            + "[\(SimulationTrace.format(invokedAt))–\(SimulationTrace.format(completedAt))] → \(result)"
    }

    static func show(_ value: [UInt8]) -> String { WriteID(payload: value)?.description ?? "?\(value.count)B" }
}

/// What the simulator saw inside the cluster, beyond the clients' log: the facts a real
/// deployment could only learn by inspecting disks.
public struct StorageObservations: Sendable, Equatable {
    /// A write stored by its coordinator (the moment it exists somewhere).
    public struct Applied: Sendable, Equatable {
        public var node: Int
        public var time: UInt64
        public var dot: Dot

        public init(node: Int, time: UInt64, dot: Dot) {
            self.node = node
            self.time = time
            self.dot = dot
        }
    }

    /// Every write a coordinator stored.
    public var applied: [WriteID: Applied] = [:]
    /// For each answered write, how many nodes held its event when the coordinator answered:
    /// the key's replicas whose stores cover it, and fallbacks whose hints do.
    public var holdersAtAnswer: [WriteID: Int] = [:]
    /// The history of everything ever stored in a hint, by owner (node index) and key: what
    /// handoff owes that owner.
    public var hinted: [HintedKey: VersionVector] = [:]
    /// Hints stored, delivered and deleted over the run.
    public var hintsStored = 0

    /// An owner and a key some hint was held for.
    public struct HintedKey: Hashable, Sendable {
        public var owner: Int
        public var key: StorageKey
    }

    public init() {}
}

/// One final read: which replica coordinated it and what it returned (nil when it failed).
public struct FinalRead: Sendable, Equatable {
    public var node: Int
    public var values: [[UInt8]]?

    public init(node: Int, values: [[UInt8]]?) {
        self.node = node
        self.values = values
    }
}

/// A key's state after the cluster healed and converged.
public struct FinalKeyState: Sendable, Equatable {
    public var key: Key
    /// The live values of the merge of every node's stored versions (the oracle).
    public var values: [[UInt8]]
    /// Each final read (R = N, one coordinated by each replica).
    public var reads: [FinalRead]
    /// Replicas whose stored versions differ from the oracle after the final reads' repairs.
    public var divergentReplicas: [Int]
    /// Nodes outside the key's preference list that hold versions of it.
    public var strayHolders: [Int]

    public init(key: Key, values: [[UInt8]], reads: [FinalRead], divergentReplicas: [Int], strayHolders: [Int]) {
        self.key = key
        self.values = values
        self.reads = reads
        self.divergentReplicas = divergentReplicas
        self.strayHolders = strayHolders
    }
}

/// Everything one simulated run produced: the input of the checker.
public struct SimulationHistory: Sendable, Equatable {
    /// Every client operation, in invocation order (`operations[i].index == i`).
    public var operations: [Operation]
    public var observations: StorageObservations
    /// One entry per key the clients used, in key order.
    public var finalState: [FinalKeyState]
    /// The write quorum the cluster ran with.
    public var writeQuorum: Int
    /// What the world found wrong with handoff after the heal and quiet: hints still held, and
    /// events that were hinted for an owner that does not hold them.
    public var handoffProblems: [String]

    public init(operations: [Operation], observations: StorageObservations, finalState: [FinalKeyState], writeQuorum: Int,
                handoffProblems: [String] = []) {
        self.operations = operations
        self.observations = observations
        self.finalState = finalState
        self.writeQuorum = writeQuorum
        self.handoffProblems = handoffProblems
    }
}

extension SimulationHistory {
    /// How the operations ended, for summaries.
    public struct Counts: Sendable, Equatable, CustomStringConvertible {
        public var gets = 0
        public var getsOK = 0
        public var writes = 0
        public var acknowledged = 0
        public var possiblyApplied = 0
        public var notApplied = 0
        public var noAnswer = 0
        /// Answers that involved fallbacks (hinted acknowledgements, fallback answers).
        public var sloppy = 0

        public init() {}

        public static func + (lhs: Counts, rhs: Counts) -> Counts {
            var sum = lhs
            sum.gets += rhs.gets
            sum.getsOK += rhs.getsOK
            sum.writes += rhs.writes
            sum.acknowledged += rhs.acknowledged
            sum.possiblyApplied += rhs.possiblyApplied
            sum.notApplied += rhs.notApplied
            sum.noAnswer += rhs.noAnswer
            sum.sloppy += rhs.sloppy
            return sum
        }

        public var description: String {
            "\(gets) gets (\(getsOK) ok), \(writes) writes (\(acknowledged) ok, \(possiblyApplied) possibly-applied, "
                + "\(notApplied) not-applied), \(noAnswer) without answer, \(sloppy) sloppy"
        }
    }

    public var counts: Counts {
        var counts = Counts()
        for operation in operations {
            if operation.isWrite { counts.writes += 1 } else { counts.gets += 1 }
            switch operation.outcome {
            case .ok:
                if operation.sloppy { counts.sloppy += 1 }
                if operation.isWrite { counts.acknowledged += 1 } else { counts.getsOK += 1 }
            case .readFailed: break
            case .writeFailed(_, .possiblyApplied): counts.possiblyApplied += 1
            case .writeFailed(_, .notApplied): counts.notApplied += 1
            case .noAnswer: counts.noAnswer += 1
            }
        }
        return counts
    }
}

import GyreModel
import GyreTestKit
import Testing

/// Seeded random histories of replicas and clients, run side by side on DVVSets and on the naive
/// reference model (`CausalModel.swift`). After every step each replica's values (as a multiset)
/// and context must match the model; then the sync laws are checked over the states reached.
/// A failure names its seed and step; rerun that seed alone to replay it exactly.
@Suite("DVVSet against a reference model")
struct DVVSetModelTests {
    typealias S = DVVSet<Int>

    /// One replica: the DVVSet and the model side by side.
    struct Replica {
        let id: NodeID
        var set = S()
        var model = ModelReplica()
    }

    /// A run of one seeded history: the replicas at the end and every (set, model) state seen.
    struct History {
        var replicas: [Replica]
        var states: [(set: S, model: ModelReplica)] = []
        var writes = 0
        var syncs = 0
        var maxSiblings = 0
    }

    /// Runs `steps` random get / put / sync steps; `check` failures carry the seed and step.
    static func run(seed: UInt64, steps: Int) -> History {
        var random = SeededRandom(seed: seed)
        let replicaCount = 2 + Int(random.next() % 3)          // 2...4 replicas
        let clientCount = 1 + Int(random.next() % 4)           // 1...4 clients
        var history = History(replicas: (0..<replicaCount).map { _ in Replica(id: NodeID.random(using: &random)) })
        var clientContexts = [VersionVector](repeating: VersionVector(), count: clientCount)
        var oldContexts: [VersionVector] = [VersionVector()]
        var allDots: Set<Dot> = []
        var nextValue = 0

        func check(_ condition: Bool, _ what: @autoclosure () -> String, step: Int) {
            #expect(condition, "seed \(seed), step \(step): \(what())")
        }

        for step in 0..<steps {
            let client = Int(random.next() % UInt64(clientCount))
            let r = Int(random.next() % UInt64(replicaCount))
            switch random.next() % 100 {
            case 0..<25:   // get: the client reads one replica's context
                clientContexts[client] = history.replicas[r].set.context
                oldContexts.append(clientContexts[client])
            case 25..<65:  // put through coordinator r with the client's, an empty or a stale context
                let context: VersionVector
                switch random.next() % 10 {
                case 0: context = VersionVector()
                case 1: context = oldContexts[Int(random.next() % UInt64(oldContexts.count))]
                default: context = clientContexts[client]
                }
                nextValue += 1
                var replica = history.replicas[r]
                replica.set = replica.set.updated(context: context, value: nextValue, actor: replica.id)
                let write = replica.model.write(value: nextValue, context: context, actor: replica.id)
                check(allDots.insert(write.dot).inserted, "event \(write.dot) made twice", step: step)
                // The new value is kept, under exactly the model's event.
                check(replica.set.dottedValues.contains { $0.dot == write.dot && $0.value == nextValue },
                      "put of \(nextValue) at \(write.dot) not in \(replica.set.dottedValues)", step: step)
                history.replicas[r] = replica
                history.writes += 1
                if random.next() % 2 == 0 {   // the put's response context (Riak's return_body)
                    clientContexts[client] = replica.set.context
                    oldContexts.append(replica.set.context)
                }
            default:       // sync: one way or both ways, either operand order
                let other = Int(random.next() % UInt64(replicaCount))
                let (from, to) = (history.replicas[other], history.replicas[r])
                let merged = random.next() % 2 == 0 ? to.set.synced(with: from.set) : from.set.synced(with: to.set)
                let mergedModel = to.model.synced(with: from.model)
                check(mergedModel == to.model.syncByForgetting(with: from.model), "the model's two sync rules disagree", step: step)
                history.replicas[r].set = merged
                history.replicas[r].model = mergedModel
                if random.next() % 2 == 0 {
                    history.replicas[other].set = merged
                    history.replicas[other].model = mergedModel
                }
                history.syncs += 1
            }

            for replica in history.replicas {
                check(replica.set.values.sorted() == replica.model.values,
                      "replica \(replica.id): values \(replica.set.values.sorted()), model \(replica.model.values)", step: step)
                check(replica.set.context == replica.model.context,
                      "replica \(replica.id): context \(replica.set.context), model \(String(describing: replica.model.context))", step: step)
                check(replica.set.anonymousValues.isEmpty, "anonymous values appeared", step: step)
                history.maxSiblings = max(history.maxSiblings, replica.set.valueCount)
                history.states.append((replica.set, replica.model))
            }
            for i in history.replicas.indices {
                for j in history.replicas.indices where i < j {
                    let (x, y) = (history.replicas[i], history.replicas[j])
                    check(x.set.compare(y.set) == x.model.compare(y.model),
                          "compare \(x.set.compare(y.set)), model \(x.model.compare(y.model))", step: step)
                }
            }
        }
        return history
    }

    static let seeds: [UInt64] = Array(0..<40) + [0x6779_7265, 0xDEAD_BEEF]

    @Test("every step matches the model: values as a multiset, context, compare", arguments: seeds)
    func historiesMatchTheModel(seed: UInt64) {
        let history = Self.run(seed: seed, steps: 200)
        // The run must have exercised concurrency, or it proves little.
        #expect(history.writes > 40 && history.syncs > 40, "seed \(seed)")
        #expect(history.maxSiblings >= 2, "seed \(seed): no siblings ever")
    }

    @Test("sync is commutative, associative and idempotent; its context is the merge; it agrees with the model",
          arguments: seeds)
    func syncLaws(seed: UInt64) {
        let history = Self.run(seed: seed, steps: 120)
        var random = SeededRandom(seed: seed ^ 0x5EED)
        let states = history.states
        for round in 0..<150 {
            let (a, b, c) = (states[Int(random.next() % UInt64(states.count))],
                             states[Int(random.next() % UInt64(states.count))],
                             states[Int(random.next() % UInt64(states.count))])
            let where_ = "seed \(seed), round \(round)"
            let ab = a.set.synced(with: b.set)
            #expect(ab == b.set.synced(with: a.set), "commutative; \(where_)")
            #expect(ab.synced(with: c.set) == a.set.synced(with: b.set.synced(with: c.set)), "associative; \(where_)")
            #expect(a.set.synced(with: a.set) == a.set, "sync(a, a) == a; \(where_)")
            #expect(ab.synced(with: b.set) == ab, "idempotent; \(where_)")
            #expect(a.set.synced(with: S()) == a.set && S().synced(with: a.set) == a.set, "empty is neutral; \(where_)")
            #expect(ab.context == a.set.context.merged(with: b.set.context), "context is the merge; \(where_)")
            let model = a.model.synced(with: b.model)
            #expect(ab.values.sorted() == model.values, "sync keeps the model's concurrent values; \(where_)")
            #expect(a.set.compare(b.set) == a.model.compare(b.model), "compare agrees with the model; \(where_)")
            #expect(a.set.compare(b.set) == b.set.compare(a.set).reversed, "compare is antisymmetric; \(where_)")
            #expect([.before, .equal].contains(a.set.compare(ab)), "a sync descends its operands; \(where_)")
            #expect(a.set.context.compare(b.set.context) == a.set.compare(b.set) || a.set.compare(b.set) == .concurrent,
                    "compare follows the contexts; \(where_)")
        }
    }

    @Test("update then sync dominates: the new value survives every sync and supersedes what its context saw",
          arguments: seeds.prefix(20))
    func updateThenSyncDominates(seed: UInt64) {
        let history = Self.run(seed: seed, steps: 120)
        var random = SeededRandom(seed: seed ^ 0xD0_0D)
        for round in 0..<40 {
            let replica = history.replicas[Int(random.next() % UInt64(history.replicas.count))]
            let other = history.states[Int(random.next() % UInt64(history.states.count))].set
            let context = random.next() % 2 == 0 ? replica.set.context : other.context
            let updated = replica.set.updated(context: context, value: -1, actor: replica.id)
            let where_ = "seed \(seed), round \(round)"
            #expect(updated.compare(replica.set) == .after, "update is after the replica; \(where_)")
            #expect(updated.context.descends(context), "update's context covers the client's; \(where_)")
            #expect(updated.synced(with: replica.set) == updated, "sync with the older replica changes nothing; \(where_)")
            let synced = updated.synced(with: other)
            #expect([.after, .equal].contains(synced.compare(updated)), "sync dominates the update; \(where_)")
            #expect(synced.values.contains(-1), "the new value survives the sync; \(where_)")
            // What the context covered is gone from the update.
            for (dot, value) in replica.set.dottedValues where context.contains(dot) {
                #expect(!updated.values.contains(value), "value \(value) at \(dot) covered by \(context) survived; \(where_)")
            }
        }
    }
}

import GyreModel
import Testing

/// riak_test `sibling_explosion` (Riak issue #383): clients write one key through the same
/// coordinator, each resolving the siblings it got back from its previous put (`return_body`:
/// the values and the context of the set after the write) by set union, adding one element, and
/// writing with that context. With per-object vector clocks every write became one more sibling
/// although only two writers were ever concurrent; with DVVSets a key never holds more siblings
/// than there are concurrent writers, and no write is lost.
@Suite("riak_test #383: sibling explosion")
struct SiblingExplosionTests {
    typealias Value = Set<Int>
    let coordinator = actor(7)

    /// What a client keeps between requests: the last response's siblings and context.
    struct Client {
        var siblings: [Value] = []
        var context = VersionVector()
        var naiveContext = VersionVector()
    }

    @Test("two clients alternating through one coordinator with their put's response", arguments: [2, 3, 4, 5])
    func alternatingWriters(writers: Int) {
        var store = DVVSet<Value>()
        var naive = NaiveVectorClockObject()
        // C1 get (empty) → C2 get (empty) → …: every client starts with the empty context.
        var clients = [Client](repeating: Client(), count: writers)
        var written: Set<Int> = []
        let rounds = 12
        for round in 0..<rounds {
            for index in clients.indices {
                let element = round * writers + index
                written.insert(element)
                let value = clients[index].siblings.reduce(into: [element] as Value) { $0.formUnion($1) }
                store = store.updated(context: clients[index].context, value: value, actor: coordinator)
                clients[index].siblings = store.values
                clients[index].context = store.context
                naive.write(value: element, context: clients[index].naiveContext, actor: coordinator)
                clients[index].naiveContext = naive.clock
                #expect(store.valueCount <= writers, "round \(round), client \(index): \(store.valueCount) siblings")
            }
        }
        #expect(store.valueCount == writers)
        // No acknowledged write was lost: the union of the siblings holds every element.
        #expect(store.values.reduce(into: Value()) { $0.formUnion($1) } == written)
        // The per-object vector clock keeps every write as a sibling: the explosion.
        #expect(naive.siblings.count == rounds * writers)
    }

    @Test("clients that read before every round, then all write", arguments: [2, 3])
    func readThenWriteRounds(writers: Int) {
        var store = DVVSet<Value>()
        var written: Set<Int> = []
        for round in 0..<12 {
            let reads = (0..<writers).map { _ in (store.values, store.context) }
            for index in 0..<writers {
                let element = round * writers + index
                written.insert(element)
                let value = reads[index].0.reduce(into: [element] as Value) { $0.formUnion($1) }
                store = store.updated(context: reads[index].1, value: value, actor: coordinator)
                #expect(store.valueCount <= writers, "round \(round), client \(index)")
            }
            #expect(store.valueCount == writers)
        }
        #expect(store.values.reduce(into: Value()) { $0.formUnion($1) } == written)
    }

    @Test("a writer that resolves everything it read leaves one value")
    func resolvingWriteLeavesOneValue() {
        var store = DVVSet<Value>()
        store = store.updated(context: [:], value: [1], actor: coordinator)
        store = store.updated(context: [:], value: [2], actor: actor(8))
        store = store.updated(context: [:], value: [3], actor: coordinator)
        #expect(store.valueCount == 3)
        let resolved = store.values.reduce(into: Value()) { $0.formUnion($1) }
        store = store.updated(context: store.context, value: resolved, actor: coordinator)
        #expect(store.values == [[1, 2, 3]])
    }

    @Test("documented hazard: a put answer's join covers siblings the writer never saw")
    func joinWithoutSiblingsLosesWrites() {
        // Why a put may return the join only together with the siblings (return_body).
        var store = DVVSet<Value>()
        store = store.updated(context: [:], value: [1], actor: coordinator)     // C1's write
        store = store.updated(context: [:], value: [2], actor: coordinator)     // C2's write
        let joinAfterC2 = store.context                                          // C2 is shown no values
        store = store.updated(context: joinAfterC2, value: [3], actor: coordinator)
        // C1's acknowledged [1], which C2 never saw, is gone.
        #expect(store.values == [[3]])
    }
}

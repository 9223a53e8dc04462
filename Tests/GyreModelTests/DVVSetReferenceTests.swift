import GyreModel
import Testing

/// The EUnit tests of the reference `dvvset.erl` (ricardobcl/Dotted-Version-Vectors, the copy in
/// riak_core) translated call for call, so this implementation produces the reference's exact
/// structures. Translation: `new(V)` → `init(value:)`, `new(VV, V)` → `init(context:value:)`,
/// `update(C, I)` → `DVVSet().updated(with: C, actor: I)`, `update(C, R, I)` →
/// `R.updated(with: C, actor: I)`, `sync([A, B])` → `DVVSet.sync([A, B])`, `join` → `context`,
/// `less(A, B)` → `A.compare(B) == .before`, `equal` → `compare == .equal`. Entries with counter
/// 0 (`{b,0,[]}` in `equal_test` and friends) are left out: Gyre's sets never hold them.
@Suite("DVVSet against dvvset.erl's own tests")
struct DVVSetReferenceTests {
    typealias S = DVVSet<String>
    let a = Name.a, b = Name.b, c = Name.c, d = Name.d, x = Name.x, z = Name.z

    func new(_ value: String) -> S { S(value: value) }
    func new(_ context: VersionVector, _ value: String) -> S { S(context: context, value: value) }
    func update(_ client: S, _ id: NodeID) -> S { S().updated(with: client, actor: id) }
    func update(_ client: S, _ replica: S, _ id: NodeID) -> S { replica.updated(with: client, actor: id) }
    func join(_ set: S) -> VersionVector { set.context }
    func sync(_ sets: [S]) -> S { S.sync(sets) }
    func less(_ left: S, _ right: S) -> Bool { left.compare(right) == .before }

    @Test func join_test() {
        let A = new("v1")
        let A1 = update(A, a)
        let B = new(join(A1), "v2")
        let B1 = update(B, A1, b)
        #expect(join(A) == [:])
        #expect(join(A1) == [a: 1])
        #expect(join(B1) == [a: 1, b: 1])
    }

    @Test func update_test() {
        let A0 = update(new("v1"), a)
        let A1 = update(new(join(A0), "v2"), A0, a)
        let A2 = update(new(join(A1), "v3"), A1, b)
        let A3 = update(new(join(A0), "v4"), A1, b)
        let A4 = update(new(join(A0), "v5"), A1, a)
        #expect(A0 == .of([(a, 1, ["v1"])]))
        #expect(A1 == .of([(a, 2, ["v2"])]))
        #expect(A2 == .of([(a, 2, []), (b, 1, ["v3"])]))
        #expect(A3 == .of([(a, 2, ["v2"]), (b, 1, ["v4"])]))
        #expect(A4 == .of([(a, 3, ["v5", "v2"])]))
    }

    @Test func sync_test() {
        let X = S.of([(x, 1, [])])
        let A = update(new("v1"), a)
        let Y = update(new("v2"), b)
        let A1 = update(new(join(A), "v2"), a)
        let A3 = update(new(join(A1), "v3"), b)
        let A4 = update(new(join(A1), "v3"), c)
        let W = S.of([(a, 1, [])])
        let Z = S.of([(a, 2, ["v2", "v1"])])
        #expect(sync([W, Z]) == .of([(a, 2, ["v2"])]))
        #expect(sync([W, Z]) == sync([Z, W]))
        #expect(sync([A, A1]) == sync([A1, A]))
        #expect(sync([A4, A3]) == sync([A3, A4]))
        #expect(sync([A4, A3]) == .of([(a, 2, []), (b, 1, ["v3"]), (c, 1, ["v3"])]))
        #expect(sync([X, A]) == .of([(a, 1, ["v1"]), (x, 1, [])]))
        #expect(sync([X, A]) == sync([A, X]))
        #expect(sync([A, Y]) == .of([(a, 1, ["v1"]), (b, 1, ["v2"])]))
        #expect(sync([Y, A]) == sync([A, Y]))
    }

    @Test func sync_update_test() {
        let A0 = update(new("v1"), a)               // Mary writes v1 without a context
        let VV1 = join(A0)                          // Peter reads v1's context
        let A1 = update(new("v2"), A0, a)           // Mary writes v2 without a context
        let A2 = update(new(VV1, "v3"), A1, a)      // Peter writes v3 with v1's context
        #expect(VV1 == [a: 1])
        #expect(A0 == .of([(a, 1, ["v1"])]))
        #expect(A1 == .of([(a, 2, ["v2", "v1"])]))
        // v3 supersedes v1 (Peter saw it) but not v2.
        #expect(A2 == .of([(a, 3, ["v3", "v2"])]))
    }

    @Test func event_test() {
        let A = update(new("v1"), a)
        #expect(update(new(join(A), "v2"), A, a) == .of([(a, 2, ["v2"])]))
        // event/3 on the entries alone (the values of A stay, as in the Erlang test).
        #expect(A.updated(with: S(entries: A.entries, anonymousValues: ["v2"])!, actor: a) == .of([(a, 2, ["v2", "v1"])]))
        #expect(A.updated(with: S(entries: A.entries, anonymousValues: ["v2"])!, actor: b) == .of([(a, 1, ["v1"]), (b, 1, ["v2"])]))
    }

    @Test func less_test() {
        let A = update(new("v1"), Name.listA)
        let B = update(new(join(A), "v2"), a)
        let B2 = update(new(join(A), "v2"), b)
        let B3 = update(new(join(A), "v2"), z)
        let C = update(new(join(B), "v3"), A, c)
        let D = update(new(join(C), "v4"), B2, d)
        #expect(less(A, B))
        #expect(less(A, C))
        #expect(less(B, C))
        #expect(less(B, D))
        #expect(less(B2, D))
        #expect(less(A, D))
        #expect(!less(B2, C))
        #expect(!less(B, B2))
        #expect(!less(B2, B))
        #expect(!less(A, A))
        #expect(!less(C, C))
        #expect(!less(D, B2))
        #expect(!less(B3, D))
    }

    @Test func equal_test() {
        let A = S.of([(a, 4, ["v5", "v0"]), (c, 1, ["v3"])], anonymous: ["v0"])
        let B = S.of([(a, 4, ["v555", "v0"]), (c, 1, ["v3"])])
        let C = S.of([(a, 4, ["v5", "v0"])], anonymous: ["v6", "v1"])
        // Only the histories count, not the values.
        #expect(A.compare(B) == .equal)
        #expect(B.compare(A) == .equal)
        #expect(A.compare(C) != .equal)
        #expect(B.compare(C) != .equal)
    }

    @Test func size_test() {
        #expect(new("v1").valueCount == 1)
        #expect(S.of([(a, 4, ["v5", "v0"]), (c, 1, ["v3"])], anonymous: ["v4", "v1"]).valueCount == 5)
    }

    @Test func ids_values_test() {
        let A = S.of([(a, 4, ["v0", "v5"]), (b, 1, []), (c, 1, ["v3"])], anonymous: ["v1"])
        let B = S.of([(a, 4, ["v0", "v555"]), (b, 1, []), (c, 1, ["v3"])])
        let C = S.of([(a, 4, []), (b, 1, [])], anonymous: ["v1", "v6"])
        #expect(A.actors == [a, b, c])
        #expect(B.actors == [a, b, c])
        #expect(C.actors == [a, b])
        #expect(A.values.sorted() == ["v0", "v1", "v3", "v5"])
        #expect(B.values.sorted() == ["v0", "v3", "v555"])
        #expect(C.values.sorted() == ["v1", "v6"])
        // dvvset:values order: anonymous first, then by actor, newest first.
        #expect(A.values == ["v1", "v0", "v5", "v3"])
    }

    @Test func map_test() {
        let A = DVVSet<Int>.of([(a, 4, []), (c, 1, [])], anonymous: [10])
        let B = DVVSet<Int>.of([(a, 4, [5, 0]), (c, 1, [2])], anonymous: [20, 10])
        #expect(A.mapValues { $0 * 2 } == .of([(a, 4, []), (c, 1, [])], anonymous: [20]))
        #expect(B.mapValues { $0 * 2 } == .of([(a, 4, [10, 0]), (c, 1, [4])], anonymous: [40, 20]))
    }

    // MARK: beyond the Erlang tests

    @Test("invalid parts are refused: unsorted or duplicate actors, zero counter, more values than events")
    func invalidParts() {
        typealias E = S.Entry
        #expect(S(entries: [E(actor: b, counter: 1, values: []), E(actor: a, counter: 1, values: [])]) == nil)
        #expect(S(entries: [E(actor: a, counter: 1, values: []), E(actor: a, counter: 2, values: [])]) == nil)
        #expect(S(entries: [E(actor: a, counter: 0, values: [])]) == nil)
        #expect(S(entries: [E(actor: a, counter: 1, values: ["v1", "v0"])]) == nil)
        #expect(S(entries: [E(actor: a, counter: 2, values: ["v1", "v0"])]) != nil)
    }

    @Test("anonymous values follow dvvset:sync: from the newer side, or both when neither is older")
    func anonymousValues() {
        let older = S(context: [a: 1], value: "old")
        let newer = S(context: [a: 2], value: "new")
        #expect(older.synced(with: newer).anonymousValues == ["new"])
        #expect(newer.synced(with: older).anonymousValues == ["new"])
        let other = S(context: [b: 1], value: "other")
        #expect(older.synced(with: other).anonymousValues == ["old", "other"])
        // Equal histories: both, duplicates removed.
        #expect(older.synced(with: older).anonymousValues == ["old"])
        // update keeps the replica's anonymous values unless the client's history is newer.
        #expect(older.updated(context: [:], value: "w", actor: b) == .of([(a, 1, []), (b, 1, ["w"])], anonymous: ["old"]))
        #expect(older.updated(context: [a: 1, b: 1], value: "w", actor: b) == .of([(a, 1, []), (b, 2, ["w"])]))
    }

    @Test("documented quirk: dvvset:sync is not associative for anonymous values")
    func anonymousSyncIsNotAssociative() {
        // A has an anonymous value seen against {a:1}; B only knows b:1; C knows both.
        let A = S(context: [a: 1], value: "x")
        let B = S.of([(b, 1, [])])
        let C = S.of([(a, 1, []), (b, 1, [])])
        let left = A.synced(with: B).synced(with: C)
        let right = A.synced(with: B.synced(with: C))
        #expect(left.anonymousValues == ["x"])
        #expect(right.anonymousValues == [])
        #expect(left.context == right.context)
    }
}

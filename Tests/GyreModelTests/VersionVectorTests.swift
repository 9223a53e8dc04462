import GyreModel
import Testing

@Suite("VersionVector")
struct VersionVectorTests {
    let a = Name.a, b = Name.b, c = Name.c

    @Test("compare: before, after, equal, concurrent")
    func compareByHand() {
        let empty = VersionVector()
        #expect(empty.compare(empty) == .equal)
        #expect(empty.compare([a: 1]) == .before)
        #expect(VersionVector([a: 1]).compare(empty) == .after)
        #expect(VersionVector([a: 1, b: 2]).compare([a: 1, b: 2]) == .equal)
        #expect(VersionVector([a: 1, b: 2]).compare([a: 2, b: 2]) == .before)
        #expect(VersionVector([a: 1, b: 2]).compare([a: 1, b: 2, c: 1]) == .before)
        #expect(VersionVector([a: 3, b: 2]).compare([a: 1, b: 2]) == .after)
        #expect(VersionVector([a: 2, b: 1]).compare([a: 1, b: 2]) == .concurrent)
        #expect(VersionVector([a: 1]).compare([b: 1]) == .concurrent)
        #expect(VersionVector([a: 5, c: 1]).compare([a: 5, b: 1]) == .concurrent)
        #expect(VersionVector([a: 1, c: 9]).compare([a: 2, b: 1]) == .concurrent)
    }

    @Test("descends is after-or-equal")
    func descends() {
        #expect(VersionVector([a: 2]).descends([a: 1]))
        #expect(VersionVector([a: 2]).descends([a: 2]))
        #expect(!VersionVector([a: 2]).descends([a: 3]))
        #expect(!VersionVector([a: 2]).descends([b: 1]))
        #expect(VersionVector().descends([:]))
    }

    @Test("merge is the pointwise maximum")
    func merge() {
        let x: VersionVector = [a: 3, b: 1]
        let y: VersionVector = [b: 4, c: 2]
        #expect(x.merged(with: y) == [a: 3, b: 4, c: 2])
        #expect(x.merged(with: y) == y.merged(with: x))
        #expect(x.merged(with: x) == x)
        #expect(x.merged(with: [:]) == x)
        #expect(x.merged(with: y).descends(x) && x.merged(with: y).descends(y))
    }

    @Test("entries are sorted, deduplicated by maximum, without zero counters")
    func normalisation() {
        let vector = VersionVector([(c, 1), (a, 2), (a, 5), (b, 0)])
        #expect(vector.entries.map(\.actor) == [a, c])
        #expect(vector.counter(for: a) == 5)
        #expect(vector.counter(for: b) == 0)
        #expect(vector.counter(for: c) == 1)
        #expect(vector.count == 2 && !vector.isEmpty)
        #expect(VersionVector([(a, 0)]).isEmpty)
        #expect(vector.contains(Dot(actor: a, counter: 5)))
        #expect(!vector.contains(Dot(actor: a, counter: 6)))
        #expect(!vector.contains(Dot(actor: b, counter: 1)))
        #expect(vector.incremented(for: b) == [a: 5, b: 1, c: 1])
        #expect(vector.incremented(for: a) == [a: 6, c: 1])
        #expect(vector.description == "[\(a):5, \(c):1]")
    }

    @Test("CausalOrder.reversed swaps before and after")
    func reversed() {
        #expect(CausalOrder.before.reversed == .after)
        #expect(CausalOrder.after.reversed == .before)
        #expect(CausalOrder.equal.reversed == .equal)
        #expect(CausalOrder.concurrent.reversed == .concurrent)
    }
}

import GyreModel
import Testing

@Suite("VersionSet, StoredValue and VersionSetLimits")
struct VersionSetTests {
    let a = Name.a, b = Name.b

    @Test("tombstones are siblings that reads hide; the context stays")
    func tombstones() {
        var set = VersionSet()
        #expect(set.isDeleted && set.liveValues.isEmpty)
        set = set.updated(context: [:], value: .value([1]), actor: a)
        #expect(!set.isDeleted && set.liveValues == [[1]])
        // A delete with the read's context supersedes the value.
        set = set.updated(context: set.context, value: .tombstone, actor: a)
        #expect(set.isDeleted && set.liveValues.isEmpty && set.valueCount == 1)
        #expect(set.context == [a: 2])
        // A concurrent write (no context) survives the delete as a sibling.
        set = set.updated(context: [:], value: .value([2]), actor: b)
        #expect(!set.isDeleted && set.liveValues == [[2]] && set.valueCount == 2)
        #expect(StoredValue.tombstone.isTombstone && StoredValue.tombstone.byteSize == 0 && StoredValue.tombstone.bytes == nil)
        #expect(StoredValue.value([1, 2, 3]).byteSize == 3 && !StoredValue.value([]).isTombstone)
    }

    @Test("limits: the defaults, a sibling too many, a byte too many, a forged counter")
    func limits() {
        let limits = VersionSetLimits()
        #expect(limits.maxValues == 100 && limits.maxBytes == 4 << 20)
        var set = VersionSet()
        for index in 0..<100 {
            set = set.updated(context: [:], value: .value([UInt8(index)]), actor: a)
        }
        #expect(limits.violation(after: set) == nil)
        let tooMany = set.updated(context: [:], value: .value([0]), actor: a)
        #expect(limits.violation(after: tooMany)?.contains("101 sibling values") == true)
        // A write with the read's context resolves them and is accepted.
        #expect(limits.violation(after: set.updated(context: set.context, value: .value([9]), actor: a)) == nil)

        let small = VersionSetLimits(maxValues: 100, maxBytes: 64)
        let one = VersionSet().updated(context: [:], value: .value(Array(repeating: 7, count: 40)), actor: a)
        #expect(small.violation(after: one) == nil)
        let two = one.updated(context: [:], value: .value(Array(repeating: 8, count: 10)), actor: a)
        #expect(two.byteSize > 64)
        #expect(small.violation(after: two)?.contains("bytes") == true)

        let forged = VersionSet().updated(context: [b: VersionVector.maxCounter], value: .value([1]), actor: b)
        #expect(limits.violation(after: forged)?.contains("limit of \(VersionVector.maxCounter)") == true)
    }

    @Test("mapValues keeps the history")
    func mapValues() {
        let set = VersionSet().updated(context: [:], value: .value([1, 2]), actor: a)
            .updated(context: [:], value: .tombstone, actor: b)
        let sizes = set.mapValues(\.byteSize)
        #expect(sizes.values == [2, 0])
        #expect(sizes.context == set.context)
        #expect(sizes.dottedValues.map(\.dot) == set.dottedValues.map(\.dot))
    }
}

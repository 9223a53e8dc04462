import GyreCore
import GyreModel

/// A join-semilattice for coordinator tests: a set of write ids, merged by union.
struct WriteSet: Mergeable, CustomStringConvertible {
    var ids: Set<Int>
    init(_ ids: Int...) { self.ids = Set(ids) }
    func merged(with other: WriteSet) -> WriteSet {
        var result = self
        result.ids.formUnion(other.ids)
        return result
    }
    var description: String { "\(ids.sorted())" }
}

let nodeA = NodeID(high: 0, low: 1)
let nodeB = NodeID(high: 0, low: 2)
let nodeC = NodeID(high: 0, low: 3)

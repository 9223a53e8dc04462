/// A min-heap of (deadline, id) pairs with lazy removal: many deadlines, one timer.
///
/// Contract: ``popExpired(now:)`` returns the ids of every entry whose deadline is <= `now`,
/// earliest first; entries for work that has since ended are the caller's to ignore.
public struct DeadlineQueue<ID: Sendable>: Sendable {
    private var heap: [(deadline: UInt64, id: ID)] = []

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var earliest: UInt64? { heap.first?.deadline }
    public var count: Int { heap.count }

    public mutating func insert(deadline: UInt64, id: ID) {
        heap.append((deadline, id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Drops entries from the top while `isStale(id)` says their work has ended, so the earliest
    /// deadline left belongs to live work (no timer wakes up for a call long finished).
    public mutating func dropStaleTop(where isStale: (ID) -> Bool) {
        while let top = heap.first, isStale(top.id) { removeTop() }
    }

    public mutating func popExpired(now: UInt64) -> [ID] {
        var expired: [ID] = []
        while let top = heap.first, top.deadline <= now {
            expired.append(top.id)
            removeTop()
        }
        return expired
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count && heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

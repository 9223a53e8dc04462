/// A min-heap of (deadline, stream) pairs with lazy removal.
///
/// Contract: ``popExpired(now:)`` returns every entry whose deadline is <= `now`, earliest
/// first; entries for streams that have since ended are the caller's to ignore.
struct DeadlineQueue {
    private var heap: [(deadline: UInt64, stream: Int32)] = []

    var isEmpty: Bool { heap.isEmpty }
    var earliest: UInt64? { heap.first?.deadline }

    mutating func insert(deadline: UInt64, stream: Int32) {
        heap.append((deadline, stream))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popExpired(now: UInt64) -> [Int32] {
        var expired: [Int32] = []
        while let top = heap.first, top.deadline <= now {
            expired.append(top.stream)
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

/// The simulator's agenda: events ordered by (virtual time, sequence number).
///
/// Contract: ``pop()`` returns events in non-decreasing time; events due at the same time come
/// out in the order they were scheduled, so a run depends only on what was scheduled and when,
/// never on the heap's layout. Scheduling in the past is a programmer error.
public struct EventQueue<Event> {
    private struct Entry {
        let time: UInt64
        let sequence: UInt64
        let event: Event

        func precedes(_ other: Entry) -> Bool {
            (time, sequence) < (other.time, other.sequence)
        }
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    /// True when nothing is scheduled.
    public var isEmpty: Bool { heap.isEmpty }

    /// How many events are scheduled.
    public var count: Int { heap.count }

    /// The time of the next event, or nil when none is scheduled.
    public var nextTime: UInt64? { heap.first?.time }

    /// Adds `event`, due at `time`.
    public mutating func schedule(_ event: Event, at time: UInt64) {
        heap.append(Entry(time: time, sequence: nextSequence, event: event))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event (ties: the first scheduled).
    public mutating func pop() -> (time: UInt64, event: Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (first.time, first.event)
    }
}

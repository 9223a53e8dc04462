import Synchronization

/// Counts the admin listener's open connections, in all and per source address.
///
/// Contract: thread-safe; ``admit(_:)`` reserves a slot or refuses (at a cap), ``release(_:)``
/// gives back one that was admitted.
final class AdminConnectionGate: Sendable {
    let maxConnections: Int
    let maxPerSource: Int
    private let open = Mutex<(total: Int, bySource: [String: Int])>((0, [:]))

    init(maxConnections: Int, maxPerSource: Int) {
        self.maxConnections = maxConnections
        self.maxPerSource = maxPerSource
    }

    func admit(_ source: String) -> Bool {
        open.withLock { open in
            guard open.total < maxConnections, open.bySource[source, default: 0] < maxPerSource else { return false }
            open.total += 1
            open.bySource[source, default: 0] += 1
            return true
        }
    }

    func release(_ source: String) {
        open.withLock { open in
            open.total -= 1
            let left = open.bySource[source, default: 1] - 1
            open.bySource[source] = left > 0 ? left : nil
        }
    }
}

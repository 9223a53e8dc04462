@testable import GyreHTTP2
import Synchronization
import Testing

@Suite("ConnectionRegistry")
struct ConnectionRegistryTests {
    final class Evictions: Sendable {
        private let names = Mutex<[String]>([])
        func add(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    private func entry(_ name: String, source: String, idleSince: UInt64, _ evictions: Evictions) -> ConnectionEntry {
        ConnectionEntry(source: source, idleSince: idleSince) { evictions.add(name) }
    }

    @Test func perSourceCapEvictsThatSourcesLongestIdle() {
        let evictions = Evictions()
        let registry = ConnectionRegistry(maxConnections: 100, maxPerSource: 2)
        let old = entry("old", source: "127.0.0.1", idleSince: 10, evictions)
        let newer = entry("newer", source: "127.0.0.1", idleSince: 20, evictions)
        let other = entry("other", source: "127.0.0.2", idleSince: 1, evictions)
        #expect(registry.admit(other) == .admitted)
        #expect(registry.admit(old) == .admitted)
        #expect(registry.admit(newer) == .admitted)
        #expect(registry.admit(entry("third", source: "127.0.0.1", idleSince: 30, evictions)) == .admittedEvicting(1))
        #expect(evictions.all == ["old"])
        #expect(registry.count == 3)
    }

    @Test func busyConnectionsAreNeverEvicted() {
        let evictions = Evictions()
        let registry = ConnectionRegistry(maxConnections: 100, maxPerSource: 1)
        let busy = entry("busy", source: "a", idleSince: 0, evictions)
        #expect(registry.admit(busy) == .admitted)
        #expect(registry.admit(entry("new", source: "a", idleSince: 5, evictions)) == .refused)
        busy.setIdleSince(7)
        #expect(registry.admit(entry("new", source: "a", idleSince: 8, evictions)) == .admittedEvicting(1))
        #expect(evictions.all == ["busy"])
    }

    @Test func totalCapEvictsTheGloballyLongestIdle() {
        let evictions = Evictions()
        let registry = ConnectionRegistry(maxConnections: 2, maxPerSource: 10)
        let first = entry("first", source: "a", idleSince: 50, evictions)
        #expect(registry.admit(first) == .admitted)
        #expect(registry.admit(entry("second", source: "b", idleSince: 40, evictions)) == .admitted)
        #expect(registry.admit(entry("third", source: "c", idleSince: 60, evictions)) == .admittedEvicting(1))
        #expect(evictions.all == ["second"])
        registry.remove(first)
        registry.remove(first)
        #expect(registry.count == 1)
    }
}

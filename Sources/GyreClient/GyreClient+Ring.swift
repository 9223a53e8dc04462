import Synchronization
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

extension GyreClient {
    /// The client addresses to ask for the ring: the seeds, then every member the ring names.
    var ringSources: [String] {
        var seen = Set<String>(), sources: [String] = []
        for address in configuration.seeds + (table.snapshot?.allAddresses ?? []) where seen.insert(address).inserted {
            sources.append(address)
        }
        return backoff.order(sources)
    }

    /// Asks the seeds and known members in turn for their ring and keeps the newest answer of
    /// the first that answers. Throws ``GyreClientError/noRing(_:)`` when none answers with one.
    func refreshRing() async throws(GyreClientError) {
        var reasons: [String] = []
        for address in ringSources {
            if isClosed { throw .cancelled("the client is closed") }
            let response = await call(address: address, path: "/gyre.v1.Cluster/Ring", framed: RingRequest().encodeFramed(),
                                      timeout: min(configuration.defaultDeadline, .seconds(2)))
            if response.fromServer { backoff.answered(address) } else { backoff.failed(address) }
            guard response.status.code == .ok, response.messages.count == 1 else {
                reasons.append("\(address): \(response.status.message)")
                continue
            }
            do {
                try table.offer(RingInfo.decode(response.messages[0]))
                return
            } catch {
                reasons.append("\(address): the ring it sent is unusable: \(error)")
            }
        }
        throw .noRing(reasons.joined(separator: "; "))
    }

    /// A newer ring epoch was seen in an answer: refresh the ring in the background (once at a time).
    func noteEpoch(_ epoch: UInt64) {
        guard epoch > table.epoch, !isClosed else { return }
        let start = follower.withLock { state in
            defer { state.refreshing = true }
            return !state.refreshing
        }
        guard start else { return }
        Task {
            try? await self.refreshRing()
            self.follower.withLock { $0.refreshing = false }
        }
    }

    /// Keeps one `WatchRing` stream open, to a live node, reopening it with backoff when it ends.
    func startWatching() {
        let task = Task {
            var failures = 0
            var rotation = 0
            while !self.isClosed {
                let sources = self.ringSources
                guard !sources.isEmpty else { return }
                let address = sources[rotation % sources.count]
                guard let (host, port) = HostPort.parse(address) else { return }
                let table = self.table
                let received = MessageCount()
                let response = await self.transport.call(host: host, port: port, path: "/gyre.v1.Cluster/WatchRing",
                                                         framedRequest: RingRequest().encodeFramed()) { bytes in
                    received.increment()
                    if let info = try? RingInfo.decode(bytes) { _ = try? table.offer(info) }
                }
                if self.isClosed { return }
                if response.fromServer || received.value > 0 { self.backoff.answered(address) } else { self.backoff.failed(address) }
                failures = received.value > 0 ? 1 : failures + 1
                rotation += 1
                // Reopen after a pause that grows with consecutive failures (50 ms to 5 s).
                let pause = min(self.configuration.maxBackoff, self.configuration.initialBackoff * (1 << min(failures, 16)))
                try? await Task.sleep(for: pause)
            }
        }
        follower.withLock { $0.watch = task }
    }
}

/// Counts messages from a callback that runs on an event loop.
final class MessageCount: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.wrappingAdd(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

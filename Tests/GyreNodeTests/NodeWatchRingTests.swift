import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreWire
import Synchronization
import Testing

/// `Cluster/WatchRing`: the current ring at once, each ring installed later, and UNAVAILABLE when
/// the node shuts down.
@Suite struct NodeWatchRingTests {
    final class Received: Sendable {
        let rings = Mutex<[RingInfo]>([])
        var epochs: [UInt64] { rings.withLock { $0.map(\.epoch) } }
    }

    @Test func aWatcherGetsTheRingThenEachNewOneAndUnavailableAtShutdown() async throws {
        let harness = try await NodeHarness.start()
        let received = Received()
        let stream = Task {
            await harness.client.call(host: "127.0.0.1", port: harness.port, path: "/gyre.v1.Cluster/WatchRing",
                                      framedRequest: RingRequest().encodeFramed()) { bytes in
                if let info = try? RingInfo.decode(bytes) { received.rings.withLock { $0.append(info) } }
            }
        }
        let ring = try #require(harness.node.currentRing)
        #expect(await NodeHarness.eventually { received.epochs == [ring.epoch] })
        let next = try Ring(epoch: ring.epoch + 1, partitionCount: ring.partitionCount, owners: ring.owners, members: ring.members)
        try harness.node.installRingForTesting(next)
        #expect(await NodeHarness.eventually { received.epochs == [ring.epoch, ring.epoch + 1] })
        // The same ring again is no news.
        try? harness.node.installRingForTesting(next)
        await harness.stop()
        let end = await stream.value
        #expect(end.status.code == .unavailable)
        #expect(received.epochs == [ring.epoch, ring.epoch + 1])
    }

    @Test func installingARingNeedsTestHooksAndANewerEpoch() async throws {
        let harness = try await NodeHarness.start { $0.enableTestHooks = false }
        let ring = try #require(harness.node.currentRing)
        #expect(throws: RingInstallForTestingError.self) { try harness.node.installRingForTesting(ring) }
        await harness.stop()
        let hooked = try await NodeHarness.start()
        let current = try #require(hooked.node.currentRing)
        let older = try Ring(epoch: current.epoch - 1, partitionCount: current.partitionCount, owners: current.owners,
                             members: current.members)
        #expect(throws: RingInstallForTestingError.self) { try hooked.node.installRingForTesting(older) }
        await hooked.stop()
    }
}

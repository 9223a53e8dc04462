public import GyreModel
import GyrePipeline

extension Node {
    /// Installs `ring` on this node as if the cluster had agreed on it, so tests can follow a
    /// ring change before membership changes exist (an SDK following `WatchRing`, say). The ring
    /// must keep the members and carry a newer epoch; it is recorded and published as any ring.
    /// Throws when test hooks are off (`--enable-test-hooks`), before the cluster formed, or when
    /// the ring is refused (the message says why).
    public func installRingForTesting(_ ring: Ring) throws(RingInstallForTestingError) {
        guard configuration.enableTestHooks else { throw RingInstallForTestingError("test hooks are off") }
        guard let view = state.currentView else { throw RingInstallForTestingError("the cluster has not formed") }
        let adopted: Bool
        do {
            adopted = try membership.adopt(ring: ring, clusterID: view.clusterID, secret: view.secret)
        } catch {
            throw RingInstallForTestingError(error.description)
        }
        guard adopted else { throw RingInstallForTestingError("the ring was refused") }
    }

    /// The ring this node routes by now (nil before the cluster formed).
    public var currentRing: Ring? { state.currentView?.ring }
}

/// Why ``Node/installRingForTesting(_:)`` installed nothing.
public struct RingInstallForTestingError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

import GyreHTTP2
import Synchronization

/// The node's listeners, read for the connection gauges of Stats (set once they exist).
///
/// Contract: thread-safe; ``servers`` is empty until the node has built its servers.
final class ConnectionGauges: Sendable {
    private let storage = Mutex<[GRPCServer]>([])

    var servers: [GRPCServer] {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

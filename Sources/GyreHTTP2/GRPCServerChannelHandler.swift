import NIOCore
import NIOSSL
import NIOTLS

/// Asks a server connection to start a graceful shutdown (GOAWAY, drain, close).
struct GracefulShutdownEvent: Sendable {}

/// Asks an idle server connection to go away to make room for a new one (connection caps): it
/// closes at once when still idle, or after its open calls when one began meanwhile.
struct EvictIdleEvent: Sendable {}

/// The channel handler of one accepted connection: a ``GRPCServerConnection`` driven by NIO.
///
/// Contract: one per child channel; all work on the channel's event loop. Publishes the
/// connection's idle state to its registry entry after every flush and leaves the registry when
/// the channel closes.
final class GRPCServerChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let makeConnection: (any EventLoop) -> GRPCServerConnection
    private let entry: ConnectionEntry?
    private let registry: ConnectionRegistry?
    private let observer: any ServerObserver
    private var driver: ConnectionDriver<GRPCServerConnection>?
    private var publishedIdleSince: UInt64 = 1

    init(entry: ConnectionEntry? = nil, registry: ConnectionRegistry? = nil, observer: any ServerObserver = NoServerObserver(),
         makeConnection: @escaping (any EventLoop) -> GRPCServerConnection) {
        self.entry = entry
        self.registry = registry
        self.observer = observer
        self.makeConnection = makeConnection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let driver = ConnectionDriver(connection: makeConnection(context.eventLoop), pausesReads: true, flushesPerPass: true)
        driver.attach(context)
        if let entry {
            driver.onFlushed = { [unowned self, unowned driver] in
                let since = driver.connection.idleSince.map { max(1, $0) } ?? 0
                if since != self.publishedIdleSince {
                    self.publishedIdleSince = since
                    entry.setIdleSince(since)
                }
            }
        }
        self.driver = driver
        if context.channel.isActive { driver.flush() }
    }

    func read(context: ChannelHandlerContext) {
        if let driver { driver.read(context: context) } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        driver?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelActive(context: ChannelHandlerContext) {
        driver?.flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver?.read(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver?.readComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let driver { MemoryReturn.connectionReleased(heldBytes: driver.connection.peakHeldBytes) }
        driver?.channelClosed()
        driver = nil
        if let entry { registry?.remove(entry) }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is GracefulShutdownEvent, let driver {
            driver.connection.beginGracefulShutdown()
            driver.flush()
        } else if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls, let driver {
            // The certificate, if the client presented one, passed verification: it names the peer.
            if let ssl = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
               let certificate = ssl.peerCertificate {
                driver.connection.peerIdentity = PeerIdentity(certificate: certificate)
            }
            context.fireUserInboundEventTriggered(event)
        } else if event is EvictIdleEvent, let driver {
            observer.protection(.evictedIdle)
            driver.connection.beginGracefulShutdown()
            if driver.connection.openStreams == 0 {
                // Idle, as the registry saw it: GOAWAY and close now, so its place is free at once.
                driver.closeNow()
            } else {
                // A call began since the registry looked: let it finish, take no new ones.
                driver.flush()
            }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

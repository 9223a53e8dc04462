import NIOCore

/// Asks a server connection to start a graceful shutdown (GOAWAY, drain, close).
struct GracefulShutdownEvent: Sendable {}

/// The channel handler of one accepted connection: a ``GRPCServerConnection`` driven by NIO.
///
/// Contract: one per child channel; all work on the channel's event loop.
final class GRPCServerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let makeConnection: (any EventLoop) -> GRPCServerConnection
    private var driver: ConnectionDriver<GRPCServerConnection>?

    init(makeConnection: @escaping (any EventLoop) -> GRPCServerConnection) {
        self.makeConnection = makeConnection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let driver = ConnectionDriver(connection: makeConnection(context.eventLoop))
        driver.attach(context)
        self.driver = driver
        if context.channel.isActive { driver.flush() }
    }

    func channelActive(context: ChannelHandlerContext) {
        driver?.flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver?.read(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver?.channelClosed()
        driver = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is GracefulShutdownEvent, let driver {
            driver.connection.beginGracefulShutdown()
            driver.flush()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

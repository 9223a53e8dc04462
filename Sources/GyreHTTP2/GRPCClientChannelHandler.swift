import NIOCore

/// The channel handler of one outgoing connection: a ``GRPCClientConnection`` driven by NIO.
///
/// Contract: all work on the channel's event loop; calls are started through
/// ``startCall(_:)`` from that loop.
final class GRPCClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let connection: GRPCClientConnection
    private var driver: ConnectionDriver<GRPCClientConnection>?
    let goingAwayFlag = GoingAwayFlag()

    init(connection: GRPCClientConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let driver = ConnectionDriver(connection: connection, pausesReads: false)
        driver.attach(context)
        self.driver = driver
    }

    func channelActive(context: ChannelHandlerContext) {
        driver?.flush()
        context.fireChannelActive()
    }

    func read(context: ChannelHandlerContext) {
        if let driver { driver.read(context: context) } else { context.read() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        driver?.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver?.read(unwrapInboundIn(data))
        if connection.isGoingAway { goingAwayFlag.set() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        driver?.readComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        goingAwayFlag.set()
        driver?.channelClosed()
        driver = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Starts a call; output goes out on the next flush of this loop pass.
    func startCall(_ start: (GRPCClientConnection) -> Void) {
        guard driver != nil else {
            start(connection)  // the connection reports UNAVAILABLE (it is going away)
            return
        }
        start(connection)
        driver?.scheduleFlush()
    }
}

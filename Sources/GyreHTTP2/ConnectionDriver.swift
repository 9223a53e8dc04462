import NIOCore

/// What the NIO drivers need from a sans-I/O connection (server or client).
protocol DrivenConnection: AnyObject, SendableMetatype {
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
    func drainOutput(_ sink: (UnsafeRawBufferPointer) -> Void) -> Bool
    var hasPendingOutput: Bool { get }
    var isAlive: Bool { get }
    var nextDeadline: UInt64? { get }
    func expireDeadlines(now: UInt64)
    func transportClosed()
    var onOutputPending: (() -> Void)? { get set }
}

extension GRPCServerConnection: DrivenConnection {}
extension GRPCClientConnection: DrivenConnection {}

/// Moves bytes between a channel and a sans-I/O connection: reads feed it, one batched write per
/// event-loop pass carries its output, one timer tracks its earliest deadline.
///
/// Contract: lives on the channel's event loop. Output produced while reading is flushed at
/// `channelReadComplete`; output produced by work from elsewhere is flushed once per loop pass.
/// The channel is closed when the connection has nothing left to do or hits a fatal error.
final class ConnectionDriver<Connection: DrivenConnection> {
    let connection: Connection
    private var context: ChannelHandlerContext?
    private var flushScheduled = false
    private var deadlineTask: Scheduled<Void>?
    private var deadlineTaskAt = UInt64.max
    private var closed = false

    init(connection: Connection) {
        self.connection = connection
    }

    func attach(_ context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        connection.onOutputPending = { loopBound.value.scheduleFlush() }
    }

    func read(_ buffer: ByteBuffer) {
        let healthy = buffer.withUnsafeReadableBytes { connection.receive($0) }
        if !healthy {
            flush()
            close()
        }
    }

    func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let driver = loopBound.value
            driver.flushScheduled = false
            driver.flush()
        }
    }

    func flush() {
        guard let context, !closed else { return }
        if connection.hasPendingOutput {
            var buffer = context.channel.allocator.buffer(capacity: 4096)
            let healthy = connection.drainOutput { buffer.writeBytes($0) }
            if buffer.readableBytes > 0 {
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            }
            if !healthy {
                close()
                return
            }
        }
        if !connection.isAlive {
            close()
            return
        }
        armDeadlineTimer()
    }

    func channelClosed() {
        closed = true
        deadlineTask?.cancel()
        deadlineTask = nil
        connection.transportClosed()
        connection.onOutputPending = nil
        context = nil
    }

    private func close() {
        guard !closed, let context else { return }
        closed = true
        context.close(promise: nil)
    }

    private func armDeadlineTimer() {
        guard let context, let next = connection.nextDeadline, next < deadlineTaskAt else { return }
        deadlineTask?.cancel()
        deadlineTaskAt = next
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadlineTask = context.eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(next)) {
            let driver = loopBound.value
            driver.deadlineTaskAt = .max
            driver.deadlineTask = nil
            driver.connection.expireDeadlines(now: monotonicNanoseconds())
            driver.flush()
        }
    }
}

import NIOCore

/// What the NIO drivers need from a sans-I/O connection (server or client).
protocol DrivenConnection: AnyObject, SendableMetatype {
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
    func drainOutput(maxBytes: Int, _ sink: (UnsafeRawBufferPointer) -> Void) -> Bool
    var hasPendingOutput: Bool { get }
    var isAlive: Bool { get }
    /// Close now, after writing what can be written.
    var mustClose: Bool { get }
    /// How long output may wait on a channel that accepts none before the channel is closed
    /// (0: never; the peer's deadlines bound it instead).
    var stalledOutputTimeoutNanoseconds: UInt64 { get }
    var nextDeadline: UInt64? { get }
    func expireDeadlines(now: UInt64)
    func transportClosed()
    /// The channel is being closed because output waited too long on it.
    func outputStalled()
    var onOutputPending: (() -> Void)? { get set }
}

extension GRPCServerConnection: DrivenConnection {
    var stalledOutputTimeoutNanoseconds: UInt64 { configuration.requestTimeoutNanoseconds }
}
extension GRPCClientConnection: DrivenConnection {
    var mustClose: Bool { isSilent }
    func outputStalled() {}
    var stalledOutputTimeoutNanoseconds: UInt64 { 0 }
}

/// Moves bytes between a channel and a sans-I/O connection: reads feed it, one batched write per
/// event-loop pass carries its output, one timer tracks its earliest deadline.
///
/// Contract: lives on the channel's event loop. Output produced by work from elsewhere is flushed
/// once per loop pass. Output produced while reading is flushed at `channelReadComplete` by a
/// client driver, and at the end of the loop pass by a server driver (`flushesPerPass`): every
/// server connection that read in a pass writes after all of them have read, so the loop asks
/// the kernel which sockets are readable again only after its answers went out. Flushing each
/// connection as soon as it had read let a loop that is busy (one pass serves many connections)
/// starve the connection it served last: that connection's next requests arrive just after the
/// loop polled again, so they waited a whole extra pass, pass after pass (level-triggered epoll
/// keeps the order of the connections it reports, so the same one or two connections lost
/// every other pass: under h2load -c10 -m10, p90 was twice p50). Written together, the
/// answers also wake a client that reads many connections once, not once per connection.
/// Backpressure: output is taken from the connection only while the channel is writable, at most
/// ``maxBytesPerFlush`` per pass. A server driver (`pausesReads`) holds back reads
/// (``read(context:)``) while its channel is not writable: the peer is not reading what it asked
/// for. A client driver never stops reading: a peer server that pauses its own reads waits for
/// ours, and two sides that both stopped would wait for each other forever. Reads never stop
/// because of the connection's own backlog either, for the same reason: the window updates that
/// would drain it arrive on the read side. Output that waits on an unwritable channel longer
/// than the connection's ``DrivenConnection/stalledOutputTimeoutNanoseconds`` closes the
/// channel. The channel is also closed when the connection has nothing left to do, must close,
/// or hits a fatal error.
final class ConnectionDriver<Connection: DrivenConnection> {
    /// Most bytes taken from the connection in one pass (the channel's high-water mark is 1 MiB).
    static var maxBytesPerFlush: Int { 1 << 20 }

    let connection: Connection
    private var context: ChannelHandlerContext?
    private var flushScheduled = false
    /// The buffer of the last flush, reused when nothing else holds it any more.
    private var spareBuffer: ByteBuffer?
    private var deadlineTask: Scheduled<Void>?
    private var deadlineTaskAt = UInt64.max
    private var closed = false
    private let pausesReads: Bool
    private let flushesPerPass: Bool
    private var readPaused = false
    private var readPending = false
    /// Since when output has waited on an unwritable channel, or nil.
    private var stalledSince: UInt64?
    private var stallTask: Scheduled<Void>?
    /// Runs after every flush (the server publishes its idle state from here).
    var onFlushed: (() -> Void)?

    /// - Parameters:
    ///   - pausesReads: hold back reads while the channel is not writable (servers).
    ///   - flushesPerPass: output produced while reading goes out at the end of the loop pass,
    ///     not at `channelReadComplete` (servers).
    init(connection: Connection, pausesReads: Bool, flushesPerPass: Bool = false) {
        self.connection = connection
        self.pausesReads = pausesReads
        self.flushesPerPass = flushesPerPass
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

    /// The channel's reads of this pass are done (`channelReadComplete`).
    func readComplete() {
        if flushesPerPass { scheduleFlush() } else { flush() }
    }

    /// Flushes once at the end of the current loop pass (after the other channels' reads).
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
        if connection.hasPendingOutput && context.channel.isWritable {
            // The last flush's buffer again when the socket took all of it (NIO let go of its
            // storage, so clearing it does not copy): no 4 KiB allocation per flush.
            var buffer = spareBuffer ?? context.channel.allocator.buffer(capacity: 4096)
            spareBuffer = nil
            buffer.clear()
            let healthy = connection.drainOutput(maxBytes: Self.maxBytesPerFlush) { buffer.writeBytes($0) }
            if buffer.readableBytes > 0 {
                context.writeAndFlush(NIOAny(buffer), promise: nil)
                // Kept for the next flush only when small: a large one would stay allocated.
                if buffer.capacity <= 64 << 10 { spareBuffer = buffer }
            }
            if !healthy {
                close()
                return
            }
            // More to send and room for it: continue on the next pass (other channels go first).
            if connection.hasPendingOutput && context.channel.isWritable { scheduleFlush() }
        }
        if connection.mustClose || !connection.isAlive {
            close()
            return
        }
        updateReadPause()
        updateStall()
        armDeadlineTimer()
        onFlushed?()
    }

    /// The handler's outbound `read`: passed on unless reading is paused.
    func read(context: ChannelHandlerContext) {
        if readPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// The channel became writable again (its buffered output fell below the low-water mark).
    func writabilityChanged() {
        flush()
    }

    private func updateReadPause() {
        guard pausesReads, let context else { return }
        let pause = !context.channel.isWritable
        if pause == readPaused { return }
        readPaused = pause
        if !pause && readPending {
            readPending = false
            context.read()
        }
    }

    /// Starts or ends the stall clock: output is pending and the channel takes none.
    private func updateStall() {
        guard let context else { return }
        let timeout = connection.stalledOutputTimeoutNanoseconds
        guard timeout > 0, connection.hasPendingOutput, !context.channel.isWritable else {
            stalledSince = nil
            stallTask?.cancel()
            stallTask = nil
            return
        }
        guard stalledSince == nil else { return }
        let since = monotonicNanoseconds()
        stalledSince = since
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        stallTask = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(clamping: timeout))) {
            let driver = loopBound.value
            driver.stallTask = nil
            guard driver.stalledSince == since else { return }
            driver.connection.outputStalled()
            driver.close()
        }
    }

    /// Closes the channel now, after handing it what the connection has to send (an idle
    /// connection evicted to make room for another).
    func closeNow() {
        flush()
        close()
    }

    func channelClosed() {
        closed = true
        spareBuffer = nil
        deadlineTask?.cancel()
        deadlineTask = nil
        stallTask?.cancel()
        stallTask = nil
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

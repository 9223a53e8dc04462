import GyreRPC

/// The server's state for one HTTP/2 stream carrying one gRPC call.
///
/// Contract: owned by its ``GRPCServerConnection``; touched only on the connection's thread.
/// Its stored properties skip Swift's run-time exclusivity checks (`@exclusivity(unchecked)`):
/// they are confined to that thread and never modified while another access to the same
/// property is open, and the checks (a thread-local access set per modification) cost about 6%
/// of the node's CPU per unary call.
final class ServerStream {
    enum Phase {
        /// Request headers not complete yet.
        case awaitingHead
        /// Head accepted; collecting the request message.
        case receiving
        /// The whole request arrived; waiting to run the handler.
        case ready
        /// The handler has the call.
        case dispatched
        /// Status submitted (or the stream was refused): nothing more to do but drain.
        case ended
    }

    let id: Int32
    @exclusivity(unchecked) var phase: Phase = .awaitingHead
    @exclusivity(unchecked) var headBuilder: RequestHeadBuilder
    @exclusivity(unchecked) var head: RequestHead?
    @exclusivity(unchecked) var method: RegisteredMethod?
    @exclusivity(unchecked) var deframer: MessageDeframer
    @exclusivity(unchecked) var request: [UInt8]?
    @exclusivity(unchecked) var extraMessages = false
    @exclusivity(unchecked) var deadline: UInt64?
    @exclusivity(unchecked) var call: ServerCall?
    /// The budget slot the call holds (taken when its request is complete), if any.
    @exclusivity(unchecked) var heldLimiter: InFlightLimiter?
    /// Its header list passed the limit: nothing more of it is kept, and it is reset.
    @exclusivity(unchecked) var headerListTooLarge = false
    /// The held slot also counts toward the connection's share of the ordinary budget.
    @exclusivity(unchecked) var countsTowardConnection = false
    /// Request bytes this stream holds buffered, charged to the connection and the server.
    @exclusivity(unchecked) var bufferedBytes = 0
    /// When the stream's first HEADERS arrived (the request timeout counts from here).
    let openedAt: UInt64
    /// The neighbours in the connection's list of streams whose request is not complete yet,
    /// oldest first (an intrusive list: O(1) insert and removal, the head is the oldest).
    @exclusivity(unchecked) var olderIncomplete: ServerStream?
    @exclusivity(unchecked) var newerIncomplete: ServerStream?
    @exclusivity(unchecked) var inIncompleteList = false
    @exclusivity(unchecked) var remoteEnded = false
    @exclusivity(unchecked) var headersSent = false
    @exclusivity(unchecked) var outbound: [[UInt8]] = []
    @exclusivity(unchecked) var outboundChunk = 0
    @exclusivity(unchecked) var outboundOffset = 0
    /// Response bytes queued and not yet handed to nghttp2.
    @exclusivity(unchecked) private(set) var outboundBytes = 0
    @exclusivity(unchecked) var pendingTrailers: HeaderList?

    init(id: Int32, maxMessageBytes: Int, paths: PathTable, openedAt: UInt64) {
        self.id = id
        self.openedAt = openedAt
        headBuilder = RequestHeadBuilder(paths: paths)
        deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
    }

    var hasOutbound: Bool { outboundChunk < outbound.count }

    /// Queues one framed response message.
    func enqueue(_ framedMessage: [UInt8]) {
        outbound.append(framedMessage)
        outboundBytes += framedMessage.count
    }

    /// Drops every queued response byte (the stream closed); returns how many were dropped.
    func discardOutbound() -> Int {
        defer {
            outbound = []
            outboundChunk = 0
            outboundOffset = 0
            outboundBytes = 0
        }
        return outboundBytes
    }

    /// Copies queued response bytes into `buffer`; returns the count copied.
    func drainOutbound(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var written = 0
        while written < buffer.count && outboundChunk < outbound.count {
            let chunk = outbound[outboundChunk]
            let take = min(chunk.count - outboundOffset, buffer.count - written)
            chunk.withUnsafeBytes { source in
                let from = UnsafeRawBufferPointer(rebasing: source[outboundOffset..<(outboundOffset + take)])
                UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + take)]).copyMemory(from: from)
            }
            written += take
            outboundOffset += take
            if outboundOffset == chunk.count {
                outboundChunk += 1
                outboundOffset = 0
            }
        }
        if outboundChunk == outbound.count {
            outbound.removeAll(keepingCapacity: true)
            outboundChunk = 0
        }
        outboundBytes -= written
        return written
    }
}

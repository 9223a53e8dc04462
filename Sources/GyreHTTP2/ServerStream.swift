import GyreRPC

/// The server's state for one HTTP/2 stream carrying one gRPC call.
///
/// Contract: owned by its ``GRPCServerConnection``; touched only on the connection's thread.
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
    var phase: Phase = .awaitingHead
    var headBuilder: RequestHeadBuilder
    var head: RequestHead?
    var method: RegisteredMethod?
    var deframer: MessageDeframer
    var request: [UInt8]?
    var extraMessages = false
    var deadline: UInt64?
    var call: ServerCall?
    /// The budget slot the call holds (taken when its request is complete), if any.
    var heldLimiter: InFlightLimiter?
    /// Its header list passed the limit: nothing more of it is kept, and it is reset.
    var headerListTooLarge = false
    /// The held slot also counts toward the connection's share of the ordinary budget.
    var countsTowardConnection = false
    /// Request bytes this stream holds buffered, charged to the connection and the server.
    var bufferedBytes = 0
    /// When the stream's first HEADERS arrived (the request timeout counts from here).
    let openedAt: UInt64
    /// The neighbours in the connection's list of streams whose request is not complete yet,
    /// oldest first (an intrusive list: O(1) insert and removal, the head is the oldest).
    var olderIncomplete: ServerStream?
    var newerIncomplete: ServerStream?
    var inIncompleteList = false
    var remoteEnded = false
    var headersSent = false
    var outbound: [[UInt8]] = []
    var outboundChunk = 0
    var outboundOffset = 0
    /// Response bytes queued and not yet handed to nghttp2.
    private(set) var outboundBytes = 0
    var pendingTrailers: HeaderList?

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

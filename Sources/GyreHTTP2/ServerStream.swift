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
    var holdsInFlightSlot = false
    var remoteEnded = false
    var headersSent = false
    var outbound: [[UInt8]] = []
    var outboundChunk = 0
    var outboundOffset = 0
    var pendingTrailers: HeaderList?

    init(id: Int32, maxMessageBytes: Int, paths: PathTable) {
        self.id = id
        headBuilder = RequestHeadBuilder(paths: paths)
        deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
    }

    var hasOutbound: Bool { outboundChunk < outbound.count }

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
        return written
    }
}

internal import CNGHTTP2
import GyreCore
public import GyreRPC

/// The client side of one HTTP/2 connection speaking gRPC, with no I/O.
///
/// Contract: single-threaded, driven like ``GRPCServerConnection``: ``receive(_:)`` with
/// bytes from the server, ``drainOutput(_:)`` for bytes to write. Every started call reports
/// exactly once through its `onFinish`, including when the stream is refused, reset, or the
/// connection is closed (``transportClosed()``). Many calls share the connection, limited by the
/// server's SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2 queues the excess).
///
/// A connection on which a call of at least ``silenceTimeoutNanoseconds`` expired while nothing
/// at all arrived since it started is *silent* (``isSilent``): the peer, or the path to it, is
/// gone without a FIN or RST (a partition, a paused host). Its owner closes it, so the next call
/// opens a new connection instead of queueing behind a TCP connection stuck in retransmission
/// back-off (which outlives a healed partition by seconds).
public final class GRPCClientConnection {
    public let authority: String
    public let maxMessageBytes: Int
    private var session: NGHTTP2Session!
    private var streams: [Int32: ClientStream] = [:]
    private var deadlines = DeadlineQueue<Int32>()
    private var receiving = false
    private var requestHeads: [String: ConstantHeaders] = [:]
    /// True once the server sent GOAWAY or the transport closed: start no new calls here.
    public private(set) var isGoingAway = false
    /// Reads received so far (any bytes).
    private var reads: UInt64 = 0
    /// Calls with at least this timeout can show the connection silent.
    public static let silenceTimeoutNanoseconds: UInt64 = 250_000_000
    /// True once a call expired with nothing received since it started: close the connection.
    public private(set) var isSilent = false
    /// Called when output became pending outside ``receive(_:)``.
    public var onOutputPending: (() -> Void)?

    /// `:scheme` of every request: `https` over TLS.
    public let scheme: String

    public init(authority: String, scheme: String = "http", maxMessageBytes: Int = 64 << 20,
                initialWindowSize: UInt32 = 1 << 20, connectionWindowSize: Int32 = 16 << 20) {
        self.authority = authority
        self.scheme = scheme
        self.maxMessageBytes = maxMessageBytes
        session = NGHTTP2Session(
            server: false, events: self,
            settings: [
                (Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), 0),
                (Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), initialWindowSize),
            ],
            connectionWindow: connectionWindowSize)
    }

    // MARK: driving

    @discardableResult
    public func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        receiving = true
        defer { receiving = false }
        reads &+= 1
        return session.receive(bytes)
    }

    @discardableResult
    public func drainOutput(maxBytes: Int = .max, _ sink: (UnsafeRawBufferPointer) -> Void) -> Bool {
        session.send(maxBytes: maxBytes, sink)
    }

    /// Largest response header list (headers and trailers of one call, counted as RFC 9113 does).
    static let maxResponseHeaderBytes = 64 << 10

    public var hasPendingOutput: Bool { session.wantsWrite }
    public var isAlive: Bool { session.isAlive }
    public var openCalls: Int { streams.count }
    /// The earliest deadline of a call still open; entries of finished calls are dropped first,
    /// so the connection's timer does not wake once per finished call.
    public var nextDeadline: UInt64? {
        deadlines.dropStaleTop { id in
            guard let stream = streams[id] else { return true }
            return stream.finished
        }
        return deadlines.earliest
    }

    // MARK: calls

    /// Starts a call sending one framed request message and ending the request stream.
    /// `timeoutNanoseconds` goes out as `grpc-timeout`; `deadline` (absolute, same clock as
    /// ``expireDeadlines(now:)``) makes the client give up locally. `extraHeaders` are sent
    /// verbatim after the standard ones (tests use it for `content-length` and the like).
    /// Returns the stream id, or nil when the connection takes no new calls (the call has
    /// then already finished with UNAVAILABLE).
    @discardableResult
    public func startCall(path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                          timeoutNanoseconds: UInt64? = nil, deadline: UInt64? = nil,
                          extraHeaders: [(name: String, value: String)] = [],
                          collectMessages: Bool = true,
                          onMessage: @escaping ([UInt8]) -> Void = { _ in },
                          onFinish: @escaping (ClientResponse) -> Void) -> Int32? {
        let stream = ClientStream(request: framedRequest, maxMessageBytes: maxMessageBytes,
                                  collectMessages: collectMessages, onMessage: onMessage, onFinish: onFinish)
        guard !isGoingAway else {
            finish(stream, RPCStatus(code: .unavailable, message: "connection is going away"), notProcessed: true)
            return nil
        }
        var fields: [(name: String, value: String)] = []
        if let timeoutNanoseconds { fields.append(("grpc-timeout", GRPCTimeout.encode(nanoseconds: timeoutNanoseconds))) }
        for entry in metadata { fields.append(entry) }
        fields.append(contentsOf: extraHeaders)
        let id = session.submitRequest(headers: HeaderList(constant: requestHead(path), fields: fields))
        guard id > 0 else {
            finish(stream, RPCStatus(code: .unavailable, message: "cannot start a stream (nghttp2 error \(id))"),
                   notProcessed: true)
            return nil
        }
        stream.id = id
        streams[id] = stream
        stream.receivedAtStart = reads
        stream.expiryShowsSilence = (timeoutNanoseconds ?? 0) >= Self.silenceTimeoutNanoseconds
        if let deadline {
            stream.deadline = deadline
            deadlines.insert(deadline: deadline, id: id)
        }
        notifyOutput()
        return id
    }

    /// Cancels a call: RST_STREAM(CANCEL) to the server, CANCELLED to the caller.
    public func cancel(stream id: Int32) {
        guard let stream = streams[id], !stream.finished else { return }
        session.resetStream(id, errorCode: NGHTTP2Session.cancel)
        finish(stream, RPCStatus(code: .cancelled, message: "cancelled by the client"))
        notifyOutput()
    }

    /// Gives up on calls whose local deadline is <= `now` (DEADLINE_EXCEEDED, stream reset).
    public func expireDeadlines(now: UInt64) {
        for id in deadlines.popExpired(now: now) {
            guard let stream = streams[id], !stream.finished, let deadline = stream.deadline, deadline <= now else { continue }
            if stream.expiryShowsSilence && stream.receivedAtStart == reads {
                isSilent = true
                isGoingAway = true
            }
            session.resetStream(id, errorCode: NGHTTP2Session.cancel)
            finish(stream, RPCStatus(code: .deadlineExceeded, message: "deadline exceeded (client side)"))
        }
        notifyOutput()
    }

    /// The transport closed: every open call finishes UNAVAILABLE.
    public func transportClosed() {
        isGoingAway = true
        for stream in Array(streams.values) where !stream.finished {
            finish(stream, RPCStatus(code: .unavailable, message: "connection closed before the call finished"))
        }
        streams.removeAll()
    }

    private func finish(_ stream: ClientStream, _ status: RPCStatus, trailersOnly: Bool = false, notProcessed: Bool = false,
                        fromServer: Bool = false) {
        guard !stream.finished else { return }
        stream.finished = true
        stream.onFinish(ClientResponse(status: status, messages: stream.messages, headers: stream.headers,
                                       trailersOnly: trailersOnly, notProcessed: notProcessed, fromServer: fromServer))
        stream.messages = []
    }

    private func notifyOutput() {
        if !receiving { onOutputPending?() }
    }

    /// The constant head of a request to `path` on this connection, built once per path.
    private func requestHead(_ path: String) -> ConstantHeaders {
        if let cached = requestHeads[path] { return cached }
        let head = ConstantHeaders([(":method", "POST"), (":scheme", scheme), (":path", path), (":authority", authority),
                                    ("content-type", "application/grpc"), ("te", "trailers")])
        if requestHeads.count < 64 { requestHeads[path] = head }
        return head
    }
}

// MARK: - nghttp2 events

extension GRPCClientConnection: NGHTTP2SessionEvents {
    func sessionBeginHeaders(stream: Int32) {}

    func sessionHeader(stream id: Int32, name nameBytes: UnsafeRawBufferPointer, value valueBytes: UnsafeRawBufferPointer) -> HeaderVerdict {
        guard let stream = streams[id] else { return .accept }
        stream.headerBytes += nameBytes.count + valueBytes.count + 32
        guard stream.headerBytes <= Self.maxResponseHeaderBytes else {
            // A server's header lists are small; a huge one is refused, not collected.
            finish(stream, RPCStatus(code: .internal, message: "response header list over \(Self.maxResponseHeaderBytes) bytes"))
            return .resetStream
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = String(decoding: valueBytes, as: UTF8.self)
        switch name {
        case ":status": stream.httpStatus = value
        case "grpc-status": stream.grpcStatus = value
        case "grpc-message": stream.grpcMessage = value
        case "content-type", "content-length", "date", "server":
            break
        default:
            if stream.headersDone {
                stream.trailers.addLowercased(name, value)
            } else {
                stream.headers.addLowercased(name, value)
            }
        }
        return .accept
    }

    func sessionHeadersComplete(stream id: Int32, endStream: Bool) {
        guard let stream = streams[id] else { return }
        let first = !stream.headersDone
        stream.headersDone = true
        if endStream {
            if first {
                // Trailers-Only: what we collected as headers are trailers.
                stream.trailers = stream.headers
                stream.headers = Metadata()
            }
            finish(stream, stream.serverStatus(), trailersOnly: first, fromServer: true)
        }
    }

    func sessionData(stream id: Int32, bytes: UnsafeRawBufferPointer) {
        guard let stream = streams[id], !stream.finished else { return }
        do {
            try stream.deframer.feed(bytes) { message throws(DeframeError) in
                if stream.collectMessages { stream.messages.append(message) }
                stream.onMessage(message)
            }
        } catch {
            session.resetStream(id, errorCode: NGHTTP2Session.cancel)
            finish(stream, RPCStatus(code: error.statusCode, message: "response: \(error.description)"))
        }
    }

    func sessionDataEndStream(stream id: Int32) {
        guard let stream = streams[id] else { return }
        finish(stream, RPCStatus(code: .internal, message: "response ended without trailers"))
    }

    func sessionStreamClosed(stream id: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        switch errorCode {
        case NGHTTP2Session.noError:
            finish(stream, RPCStatus(code: .internal, message: "stream closed without a status"))
        case NGHTTP2Session.refusedStream:
            finish(stream, RPCStatus(code: .unavailable, message: "stream refused by the server (safe to retry)"),
                   notProcessed: true)
        case NGHTTP2Session.cancel:
            finish(stream, RPCStatus(code: .cancelled, message: "stream cancelled by the server"))
        default:
            finish(stream, RPCStatus(code: .unavailable, message: "stream reset by the server (HTTP/2 error \(errorCode))"))
        }
    }

    func sessionSentEndStream(stream: Int32) {}

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {
        isGoingAway = true
    }

    func sessionReadData(stream id: Int32, into buffer: UnsafeMutableRawBufferPointer) -> DataReadResult {
        guard let stream = streams[id] else { return .end(0) }
        let written = stream.drainRequest(into: buffer)
        return stream.requestDone ? .end(written) : .bytes(written)
    }
}

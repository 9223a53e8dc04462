internal import CNGHTTP2
import GyreRPC

/// The server side of one HTTP/2 connection speaking gRPC, with no I/O: bytes in, handler
/// calls out, bytes to send.
///
/// Contract: single-threaded; the owner calls ``receive(_:)`` with bytes from the peer and
/// ``drainOutput(_:)`` to collect bytes to write, and calls ``expireDeadlines(now:)`` when
/// ``nextDeadline`` passes. Handlers run inside ``receive(_:)`` after parsing, never inside
/// nghttp2 callbacks. ``onOutputPending`` fires when a response produced output outside of
/// ``receive(_:)`` (an asynchronous answer) so the owner can schedule a flush.
public final class GRPCServerConnection {
    public let configuration: ServerConfiguration
    let router: RPCRouter
    let limiter: InFlightLimiter
    let observer: any ServerObserver
    let executor: any ConnectionExecutor
    let now: @Sendable () -> UInt64
    private var session: NGHTTP2Session!
    private var streams: [Int32: ServerStream] = [:]
    private var ready: [ServerStream] = []
    private var deadlines = DeadlineQueue<Int32>()
    private let paths: PathTable
    /// The stream whose header block is being received (header blocks are never interleaved).
    private var headerStream: ServerStream?
    private var receiving = false
    public private(set) var isShuttingDown = false
    /// Called when output became pending outside ``receive(_:)``.
    public var onOutputPending: (() -> Void)?

    public init(configuration: ServerConfiguration, router: RPCRouter, limiter: InFlightLimiter,
                observer: any ServerObserver = NoServerObserver(), executor: any ConnectionExecutor,
                now: @escaping @Sendable () -> UInt64) {
        self.configuration = configuration
        self.router = router
        self.limiter = limiter
        self.observer = observer
        self.executor = executor
        self.now = now
        paths = router.pathTable
        session = NGHTTP2Session(
            server: true, events: self,
            settings: [
                (Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), configuration.maxConcurrentStreams),
                (Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), configuration.initialWindowSize),
                (Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), 64 << 10),
            ],
            connectionWindow: configuration.connectionWindowSize)
    }

    deinit {
        for stream in streams.values { releaseSlot(stream) }
    }

    // MARK: driving

    /// Feeds bytes from the peer, then runs the handlers of requests that completed.
    /// Returns false on a connection error: send the pending output (a GOAWAY) and close.
    @discardableResult
    public func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        receiving = true
        defer { receiving = false }
        let healthy = session.receive(bytes)
        dispatchReady()
        return healthy
    }

    /// Hands every pending output chunk to `sink`; false on a fatal session error.
    @discardableResult
    public func drainOutput(_ sink: (UnsafeRawBufferPointer) -> Void) -> Bool {
        session.send(sink)
    }

    /// True while there is output to send.
    public var hasPendingOutput: Bool { session.wantsWrite }

    /// False once the connection has nothing left to do (GOAWAY exchanged and streams done).
    public var isAlive: Bool { session.isAlive }

    /// Calls still open on this connection.
    public var openStreams: Int { streams.count }

    /// The earliest deadline of an open call, if any. Entries of calls that already ended are
    /// dropped first: otherwise the connection's timer would wake once per finished call.
    public var nextDeadline: UInt64? {
        deadlines.dropStaleTop { id in
            guard let stream = streams[id] else { return true }
            return stream.phase == .ended
        }
        return deadlines.earliest
    }

    /// Answers DEADLINE_EXCEEDED for every call whose deadline is <= `now`.
    public func expireDeadlines(now: UInt64) {
        for id in deadlines.popExpired(now: now) {
            guard let stream = streams[id], stream.phase != .ended, let deadline = stream.deadline,
                  deadline <= now else { continue }
            stream.call?.mark(ServerCall.deadlineAnswered)
            if let method = stream.method { observer.deadlineExceededByServer(method: method) }
            end(stream, status: RPCStatus(code: .deadlineExceeded, message: "deadline exceeded before the server answered"))
        }
        notifyOutput()
    }

    /// Starts a graceful shutdown: GOAWAY now, open calls run to completion, no new calls.
    public func beginGracefulShutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        session.goAway()
        notifyOutput()
    }

    /// The transport closed: every open call is cancelled.
    public func transportClosed() {
        for stream in Array(streams.values) {
            sessionStreamClosed(stream: stream.id, errorCode: NGHTTP2Session.cancel)
        }
    }

    // MARK: answering (called through ServerCall on the connection's thread)

    func respondUnary(stream id: Int32, framedMessage: [UInt8]) {
        guard let stream = streams[id], stream.phase == .dispatched, !stream.headersSent else {
            if let stream = streams[id], stream.phase == .dispatched {
                sendMessage(stream: id, framedMessage: framedMessage)
                finish(stream: id, status: .ok)
            }
            return
        }
        stream.outbound.append(framedMessage)
        stream.pendingTrailers = HeaderList(constant: ConstantHeaders.grpcOK)
        stream.headersSent = true
        markEnded(stream, code: .ok)
        _ = session.submitResponse(stream: id, headers: HeaderList(constant: ConstantHeaders.grpcResponseHead), hasBody: true)
        notifyOutput()
    }

    func sendMessage(stream id: Int32, framedMessage: [UInt8]) {
        guard let stream = streams[id], stream.phase == .dispatched else { return }
        stream.outbound.append(framedMessage)
        if stream.headersSent {
            session.resumeData(stream: id)
        } else {
            stream.headersSent = true
            _ = session.submitResponse(stream: id, headers: HeaderList(constant: ConstantHeaders.grpcResponseHead), hasBody: true)
        }
        notifyOutput()
    }

    func finish(stream id: Int32, status: RPCStatus) {
        guard let stream = streams[id], stream.phase == .dispatched else { return }
        end(stream, status: status)
        notifyOutput()
    }

    // MARK: internals

    /// Submits the final status of `stream`: trailers after its data, or Trailers-Only.
    private func end(_ stream: ServerStream, status: RPCStatus) {
        guard stream.phase != .ended else { return }
        markEnded(stream, code: status.code)
        let trailers = Self.trailerFields(status)
        if stream.headersSent {
            stream.pendingTrailers = trailers
            session.resumeData(stream: stream.id)
        } else {
            stream.headersSent = true
            var head = trailers
            head.constant = ConstantHeaders.grpcResponseHead
            if trailers.constant != nil { head.fields.insert((name: "grpc-status", value: "0"), at: 0) }
            _ = session.submitResponse(stream: stream.id, headers: head, hasBody: false)
        }
    }

    private func markEnded(_ stream: ServerStream, code: StatusCode) {
        stream.phase = .ended
        stream.call?.mark(ServerCall.ended)
        if let method = stream.method { observer.callFinished(method: method, code: code) }
        releaseSlot(stream)
    }

    private func releaseSlot(_ stream: ServerStream) {
        if stream.holdsInFlightSlot {
            stream.holdsInFlightSlot = false
            limiter.release()
        }
    }

    static func trailerFields(_ status: RPCStatus) -> HeaderList {
        if status.code == .ok && status.message.isEmpty && status.trailers.isEmpty {
            return HeaderList(constant: ConstantHeaders.grpcOK)
        }
        var fields: [(name: String, value: String)] = [(name: "grpc-status", value: status.code.wireText)]
        if !status.message.isEmpty {
            fields.append((name: "grpc-message", value: GRPCMessageText.encode(status.message)))
        }
        for entry in status.trailers { fields.append(entry) }
        return HeaderList(fields: fields)
    }

    private func notifyOutput() {
        if !receiving { onOutputPending?() }
    }

    /// Validates a complete request head and decides whether the call may proceed.
    private func accept(_ stream: ServerStream) {
        let head: RequestHead
        switch stream.headBuilder.finish() {
        case let .failure(error):
            end(stream, status: RPCStatus(error))
            return
        case let .success(valid):
            head = valid
        }
        guard let index = head.pathIndex, index < router.methods.count else {
            observer.unknownMethod(path: head.path)
            end(stream, status: RPCStatus(code: .unimplemented, message: "unknown method \(head.path)"))
            return
        }
        let method = router.methods[index]
        stream.head = head
        stream.method = method
        guard limiter.tryAcquire() else {
            observer.overloaded(path: head.path)
            end(stream, status: RPCStatus(code: .resourceExhausted,
                                          message: "node is at its limit of \(limiter.limit) requests in flight; retry with backoff"))
            return
        }
        stream.holdsInFlightSlot = true
        if let timeout = head.timeoutNanoseconds {
            let current = now()
            let (sum, overflow) = current.addingReportingOverflow(timeout)
            let deadline = overflow ? UInt64.max : sum
            if deadline <= current {
                observer.deadlineExceededByServer(method: method)
                end(stream, status: RPCStatus(code: .deadlineExceeded, message: "deadline exceeded before the request arrived"))
                return
            }
            stream.deadline = deadline
            deadlines.insert(deadline: deadline, id: stream.id)
        }
        stream.phase = .receiving
    }

    private func requestEnded(_ stream: ServerStream) {
        stream.remoteEnded = true
        guard stream.phase == .receiving else { return }
        do {
            try stream.deframer.finish()
        } catch {
            end(stream, status: RPCStatus(code: error.statusCode, message: error.description))
            return
        }
        guard stream.request != nil else {
            end(stream, status: RPCStatus(code: .internal, message: "request ended without a message"))
            return
        }
        stream.phase = .ready
        ready.append(stream)
    }

    private func dispatchReady() {
        guard !ready.isEmpty else { return }
        let batch = ready
        ready.removeAll(keepingCapacity: true)
        for stream in batch where stream.phase == .ready {
            guard let head = stream.head, let method = stream.method, let request = stream.request else { continue }
            if let deadline = stream.deadline, now() >= deadline {
                stream.phase = .dispatched
                observer.deadlineExceededByServer(method: method)
                end(stream, status: RPCStatus(code: .deadlineExceeded, message: "deadline exceeded before the handler ran"))
                continue
            }
            let call = ServerCall(head: head, method: method, deadline: stream.deadline, streamID: stream.id,
                                  connection: self, executor: executor, now: now)
            stream.call = call
            stream.request = nil
            stream.phase = .dispatched
            method.handler(call, request)
        }
    }
}

// MARK: - nghttp2 events

extension GRPCServerConnection: NGHTTP2SessionEvents {
    func sessionBeginHeaders(stream id: Int32) {
        if let existing = streams[id] {
            headerStream = existing
        } else {
            let stream = ServerStream(id: id, maxMessageBytes: configuration.maxMessageBytes, paths: paths)
            streams[id] = stream
            headerStream = stream
        }
    }

    func sessionHeader(stream id: Int32, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard let stream = headerStream, stream.id == id, stream.phase == .awaitingHead else { return }
        stream.headBuilder.add(name: name, value: value)
    }

    func sessionHeadersComplete(stream id: Int32, endStream: Bool) {
        let current = headerStream
        headerStream = nil
        guard let stream = current?.id == id ? current : streams[id] else { return }
        if stream.phase == .awaitingHead { accept(stream) }
        if endStream { requestEnded(stream) }
    }

    func sessionData(stream id: Int32, bytes: UnsafeRawBufferPointer) {
        guard let stream = streams[id], stream.phase == .receiving else { return }
        do {
            try stream.deframer.feed(bytes) { message throws(DeframeError) in
                if stream.request == nil {
                    stream.request = message
                } else {
                    stream.extraMessages = true
                }
            }
        } catch {
            end(stream, status: RPCStatus(code: error.statusCode, message: error.description))
            return
        }
        if stream.extraMessages {
            end(stream, status: RPCStatus(code: .internal, message: "more than one request message on a unary method"))
        }
    }

    func sessionDataEndStream(stream id: Int32) {
        guard let stream = streams[id] else { return }
        requestEnded(stream)
    }

    func sessionStreamClosed(stream id: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        if stream.phase != .ended {
            stream.phase = .ended
            stream.call?.mark(ServerCall.cancelled)
            if let method = stream.method { observer.callFinished(method: method, code: .cancelled) }
        }
        releaseSlot(stream)
        stream.call = nil
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionSentEndStream(stream id: Int32) {
        guard let stream = streams[id], !stream.remoteEnded else { return }
        // The status is out but the client is still sending a request we will not read:
        // RST_STREAM(NO_ERROR) tells it to stop (RFC 9113 section 8.1).
        session.resetStream(id, errorCode: NGHTTP2Session.noError)
    }

    func sessionReadData(stream id: Int32, into buffer: UnsafeMutableRawBufferPointer) -> DataReadResult {
        guard let stream = streams[id] else { return .deferred }
        let written = stream.drainOutbound(into: buffer)
        if !stream.hasOutbound, let trailers = stream.pendingTrailers {
            stream.pendingTrailers = nil
            session.submitTrailers(stream: id, headers: trailers)
            return .endWithTrailers(written)
        }
        return written > 0 ? .bytes(written) : .deferred
    }
}

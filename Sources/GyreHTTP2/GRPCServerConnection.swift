internal import CNGHTTP2
import GyreCore
import GyreRPC

/// The server side of one HTTP/2 connection speaking gRPC, with no I/O: bytes in, handler
/// calls out, bytes to send.
///
/// Contract: single-threaded; the owner calls ``receive(_:)`` with bytes from the peer and
/// ``drainOutput(_:)`` to collect bytes to write, and calls ``expireDeadlines(now:)`` when
/// ``nextDeadline`` passes. Handlers run inside ``receive(_:)`` after parsing, never inside
/// nghttp2 callbacks. ``onOutputPending`` fires when a response produced output outside of
/// ``receive(_:)`` (an asynchronous answer) so the owner can schedule a flush.
///
/// Every resource a peer can make it hold is bounded by its ``ServerConfiguration``: header
/// lists, request time, buffered request bytes (per connection and, through `requestBytes`,
/// per server), unsent response bytes, its share of the in-flight budget, idle time. The owner
/// closes at once when ``mustClose``, and calls ``outputStalled()`` when it closes because its
/// output waited too long on a peer that reads nothing.
///
/// The per-call state skips Swift's run-time exclusivity checks (`@exclusivity(unchecked)`), as
/// ``ServerStream``'s does: single-threaded, and no property is modified while an access to it
/// is open (nghttp2 callbacks run inside `session` calls but touch other properties).
public final class GRPCServerConnection {
    public let configuration: ServerConfiguration
    let router: RPCRouter
    let budgets: CallBudgets
    let requestBytes: ByteBudget
    /// The in-flight budget shared by every connection from this connection's source address.
    let sourceCalls: InFlightLimiter?
    let observer: any ServerObserver
    let executor: any ConnectionExecutor
    let now: @Sendable () -> UInt64
    @exclusivity(unchecked) private var session: NGHTTP2Session!
    @exclusivity(unchecked) private var streams: [Int32: ServerStream] = [:]
    @exclusivity(unchecked) private var ready: [ServerStream] = []
    @exclusivity(unchecked) private var deadlines = DeadlineQueue<Int32>()
    private let paths: PathTable
    /// The stream whose header block is being received (header blocks are never interleaved).
    @exclusivity(unchecked) private var headerStream: ServerStream?
    @exclusivity(unchecked) private var headerBlock = HeaderBlockSize()
    /// Streams reset so far for oversized header lists.
    @exclusivity(unchecked) private var headerViolations = 0
    /// Streams whose request is not complete yet, oldest first.
    @exclusivity(unchecked) private var incomplete = IncompleteRequests()
    /// Calls of the ordinary budget in flight on this connection.
    @exclusivity(unchecked) private var callsInFlight = 0
    /// Request bytes buffered in incomplete requests on this connection.
    @exclusivity(unchecked) public private(set) var bufferedRequestBytes = 0 {
        didSet { peakHeldBytes = max(peakHeldBytes, unsentBytes + bufferedRequestBytes) }
    }
    /// Response bytes queued on streams and not yet handed to nghttp2.
    @exclusivity(unchecked) public private(set) var unsentBytes = 0 {
        didSet { peakHeldBytes = max(peakHeldBytes, unsentBytes + bufferedRequestBytes) }
    }
    /// The most request and response bytes this connection held at once.
    @exclusivity(unchecked) public private(set) var peakHeldBytes = 0
    /// When the backlog of unsent bytes last moved (or began).
    @exclusivity(unchecked) private var lastOutputProgress: UInt64 = 0
    /// Since when the connection has had no open stream; nil while it has one.
    @exclusivity(unchecked) public private(set) var idleSince: UInt64?
    @exclusivity(unchecked) private var receiving = false
    @exclusivity(unchecked) public private(set) var isShuttingDown = false
    /// True once the connection must be closed without waiting for its output (the peer does
    /// not read it, or abused the protocol): the owner sends what it can and closes.
    public private(set) var mustClose = false
    /// Called when output became pending outside ``receive(_:)``.
    public var onOutputPending: (() -> Void)?
    /// Who the peer is, from its verified TLS certificate (set by the owner once the handshake
    /// completed, before any request); nil without TLS or without a client certificate.
    public var peerIdentity: PeerIdentity?

    /// - Parameters:
    ///   - budgets: the server's in-flight budgets (shared by its connections).
    ///   - requestBytes: the server's budget of buffered request bytes (shared by its connections).
    ///   - sourceCalls: the in-flight budget of the peer's source address, if any.
    public init(configuration: ServerConfiguration, router: RPCRouter, budgets: CallBudgets, requestBytes: ByteBudget,
                sourceCalls: InFlightLimiter? = nil, observer: any ServerObserver = NoServerObserver(),
                executor: any ConnectionExecutor, now: @escaping @Sendable () -> UInt64) {
        self.configuration = configuration
        self.router = router
        self.budgets = budgets
        self.requestBytes = requestBytes
        self.sourceCalls = sourceCalls
        self.observer = observer
        self.executor = executor
        self.now = now
        idleSince = now()
        paths = router.pathTable
        session = NGHTTP2Session(
            server: true, events: self,
            settings: [
                (Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), configuration.maxConcurrentStreams),
                (Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), configuration.initialWindowSize),
                (Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), UInt32(clamping: configuration.maxHeaderListBytes)),
            ],
            connectionWindow: configuration.connectionWindowSize)
    }

    /// A connection with its own budgets (tests and tools): `limiter` is the ordinary budget.
    public convenience init(configuration: ServerConfiguration, router: RPCRouter, limiter: InFlightLimiter,
                            observer: any ServerObserver = NoServerObserver(), executor: any ConnectionExecutor,
                            now: @escaping @Sendable () -> UInt64) {
        self.init(configuration: configuration, router: router, budgets: CallBudgets(calls: limiter),
                  requestBytes: ByteBudget(limit: configuration.maxBufferedRequestBytesTotal),
                  observer: observer, executor: executor, now: now)
    }

    deinit {
        for stream in streams.values {
            releaseSlot(stream)
            releaseBuffered(stream)
        }
    }

    // MARK: driving

    /// Feeds bytes from the peer, then runs the handlers of requests that completed.
    /// Returns false on a connection error: send the pending output (a GOAWAY) and close.
    @discardableResult
    public func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if mustClose { return false }
        receiving = true
        defer { receiving = false }
        let healthy = session.receive(bytes)
        if !mustClose { dispatchReady() }
        return healthy
    }

    /// Hands pending output to `sink` until none is left or at least `maxBytes` went; false on a
    /// fatal session error.
    @discardableResult
    public func drainOutput(maxBytes: Int = .max, _ sink: (UnsafeRawBufferPointer) -> Void) -> Bool {
        session.send(maxBytes: maxBytes, sink)
    }

    /// The owner is closing the connection: its output (any frames, not only response bodies)
    /// waited longer than the request timeout on a peer that reads nothing.
    public func outputStalled() {
        guard !mustClose else { return }
        observer.protection(.closedStalled)
        mustClose = true
    }

    /// True while there is output to send.
    public var hasPendingOutput: Bool { session.wantsWrite }

    /// False once the connection has nothing left to do (GOAWAY exchanged and streams done).
    public var isAlive: Bool { session.isAlive }

    /// Calls still open on this connection.
    public var openStreams: Int { streams.count }

    /// The earliest time something must happen: a call's deadline, a request's timeout, the
    /// idle timeout, or the end of a stalled reader's grace. Entries of calls that already ended
    /// are dropped first: otherwise the connection's timer would wake once per finished call.
    public var nextDeadline: UInt64? {
        deadlines.dropStaleTop { id in
            guard let stream = streams[id] else { return true }
            return stream.phase == .ended
        }
        var next = deadlines.earliest
        func consider(_ time: UInt64?) {
            guard let time else { return }
            next = min(next ?? .max, time)
        }
        let requestTimeout = configuration.requestTimeoutNanoseconds
        if requestTimeout > 0 {
            if let oldest = incomplete.oldest { consider(MonotonicTime.adding(oldest.openedAt, requestTimeout)) }
            if unsentBytes > 0 { consider(MonotonicTime.adding(lastOutputProgress, requestTimeout)) }
        }
        if configuration.idleTimeoutNanoseconds > 0, let idleSince, !isShuttingDown {
            consider(MonotonicTime.adding(idleSince, configuration.idleTimeoutNanoseconds))
        }
        return next
    }

    /// Acts on everything due at `now`: calls past their deadline are answered
    /// DEADLINE_EXCEEDED, requests past the request timeout are answered and reset, an idle
    /// connection is shut down, a connection whose reader stalled is marked ``mustClose``.
    public func expireDeadlines(now: UInt64) {
        for id in deadlines.popExpired(now: now) {
            guard let stream = streams[id], stream.phase != .ended, let deadline = stream.deadline,
                  deadline <= now else { continue }
            stream.call?.mark(ServerCall.deadlineAnswered)
            if let method = stream.method { observer.deadlineExceededByServer(method: method) }
            end(stream, status: RPCStatus(code: .deadlineExceeded, message: "deadline exceeded before the server answered"))
        }
        let requestTimeout = configuration.requestTimeoutNanoseconds
        if requestTimeout > 0 {
            while let oldest = incomplete.oldest, MonotonicTime.adding(oldest.openedAt, requestTimeout) <= now {
                expireIncomplete(oldest)
            }
            if unsentBytes > 0, MonotonicTime.adding(lastOutputProgress, requestTimeout) <= now, !mustClose {
                observer.protection(.closedStalled)
                mustClose = true
                session.terminate(errorCode: NGHTTP2Session.noError)
            }
        }
        if configuration.idleTimeoutNanoseconds > 0, let idleSince, !isShuttingDown,
           MonotonicTime.adding(idleSince, configuration.idleTimeoutNanoseconds) <= now {
            observer.protection(.closedIdle)
            beginGracefulShutdown()
        }
        notifyOutput()
    }

    /// A request that did not arrive whole in time: answered (when its head is known) and reset.
    private func expireIncomplete(_ stream: ServerStream) {
        incomplete.remove(stream)
        observer.protection(.requestTimedOut)
        let seconds = Double(configuration.requestTimeoutNanoseconds) / 1e9
        if stream.phase == .awaitingHead || stream.head == nil {
            // No head to answer: refuse the stream.
            markEnded(stream, code: .deadlineExceeded)
            session.resetStream(stream.id, errorCode: NGHTTP2Session.cancel)
        } else {
            end(stream, status: RPCStatus(code: .deadlineExceeded,
                                          message: "the request did not arrive whole within \(seconds) s (the server's request timeout)"))
        }
        releaseBuffered(stream)
    }

    /// Starts a graceful shutdown: GOAWAY now, open calls run to completion, no new calls.
    public func beginGracefulShutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        session.goAway()
        notifyOutput()
    }

    /// The transport closed: every open call is cancelled and every byte held is released.
    public func transportClosed() {
        for stream in Array(streams.values) {
            sessionStreamClosed(stream: stream.id, errorCode: NGHTTP2Session.cancel)
        }
        ready.removeAll()
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
        guard admitsResponse(framedMessage.count) else { return refuseUnread(stream) }
        queue(framedMessage, on: stream)
        stream.pendingTrailers = HeaderList(constant: ConstantHeaders.grpcOK)
        stream.headersSent = true
        markEnded(stream, code: .ok)
        _ = session.submitResponse(stream: id, headers: HeaderList(constant: ConstantHeaders.grpcResponseHead), hasBody: true)
        notifyOutput()
    }

    func sendMessage(stream id: Int32, framedMessage: [UInt8]) {
        guard let stream = streams[id], stream.phase == .dispatched else { return }
        guard admitsResponse(framedMessage.count) else { return refuseUnread(stream) }
        queue(framedMessage, on: stream)
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

    /// A response may join the backlog unless the backlog is non-empty and would pass the unsent
    /// limit (so one response larger than the limit still goes out when nothing waits).
    private func admitsResponse(_ count: Int) -> Bool {
        unsentBytes == 0 || unsentBytes + count <= configuration.maxUnsentBytes
    }

    private func queue(_ framedMessage: [UInt8], on stream: ServerStream) {
        if unsentBytes == 0 { lastOutputProgress = now() }
        stream.enqueue(framedMessage)
        unsentBytes += framedMessage.count
    }

    private func refuseUnread(_ stream: ServerStream) {
        observer.protection(.responseRefusedUnread)
        end(stream, status: RPCStatus(code: .resourceExhausted,
                                      message: "response dropped: this connection has \(unsentBytes) bytes of responses its client has not read"))
        notifyOutput()
    }

    /// Submits the final status of `stream`: trailers after its data, or Trailers-Only.
    private func end(_ stream: ServerStream, status: RPCStatus) {
        guard stream.phase != .ended else { return }
        markEnded(stream, code: status.code)
        let trailers = HeaderList.trailers(for: status)
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
        stream.request = nil
        stream.call?.mark(ServerCall.ended)
        reportFinished(stream, code: code)
        releaseSlot(stream)
        incomplete.remove(stream)
        releaseBuffered(stream)
    }

    /// Tells the observer how a call that reached a method ended, and how long it took.
    private func reportFinished(_ stream: ServerStream, code: StatusCode) {
        guard let method = stream.method else { return }
        observer.callFinished(method: method, code: code, nanoseconds: MonotonicTime.since(stream.openedAt, now()))
    }

    private func releaseSlot(_ stream: ServerStream) {
        if let limiter = stream.heldLimiter {
            stream.heldLimiter = nil
            limiter.release()
            if stream.countsTowardConnection {
                stream.countsTowardConnection = false
                callsInFlight -= 1
                sourceCalls?.release()
            }
        }
    }

    private func releaseBuffered(_ stream: ServerStream) {
        guard stream.bufferedBytes > 0 else { return }
        bufferedRequestBytes -= stream.bufferedBytes
        requestBytes.give(stream.bufferedBytes)
        stream.bufferedBytes = 0
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
        if let timeout = head.timeoutNanoseconds {
            let current = now()
            let deadline = MonotonicTime.adding(current, timeout)
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
        incomplete.remove(stream)
        releaseBuffered(stream)
        guard let method = stream.method, takeSlot(stream, method: method) else { return }
        stream.phase = .ready
        ready.append(stream)
    }

    /// Takes a slot of the method's budget for a complete request (a request still arriving holds
    /// none, so slow senders cannot use up the node's budget), or answers RESOURCE_EXHAUSTED.
    private func takeSlot(_ stream: ServerStream, method: RegisteredMethod) -> Bool {
        let limiter = budgets.limiter(for: method.budget)
        let shared = method.budget == .calls
        if shared && callsInFlight >= configuration.maxCallsPerConnection {
            observer.protection(.connectionShareExhausted)
            end(stream, status: RPCStatus(code: .resourceExhausted,
                                          message: "this connection has \(callsInFlight) calls in flight, its share of the node's budget; retry with backoff"))
            return false
        }
        if shared, let sourceCalls, !sourceCalls.tryAcquire() {
            observer.protection(.connectionShareExhausted)
            end(stream, status: RPCStatus(code: .resourceExhausted,
                                          message: "this client address has \(sourceCalls.limit) calls in flight, its share of the node's budget; retry with backoff"))
            return false
        }
        guard limiter.tryAcquire() else {
            if shared { sourceCalls?.release() }
            observer.overloaded(path: method.path)
            end(stream, status: RPCStatus(code: .resourceExhausted,
                                          message: "node is at its limit of \(limiter.limit) requests in flight; retry with backoff"))
            return false
        }
        stream.heldLimiter = limiter
        if shared {
            stream.countsTowardConnection = true
            callsInFlight += 1
        }
        return true
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
                                  peer: peerIdentity, connection: self, executor: executor, now: now)
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
        headerBlock.reset()
        if let existing = streams[id] {
            headerStream = existing
        } else {
            let stream = ServerStream(id: id, maxMessageBytes: configuration.maxMessageBytes, paths: paths, openedAt: now())
            streams[id] = stream
            headerStream = stream
            idleSince = nil
            incomplete.append(stream)
        }
    }

    func sessionHeader(stream id: Int32, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HeaderVerdict {
        if mustClose { return .abortSession }
        headerBlock.add(nameBytes: name.count, valueBytes: value.count)
        let bytesLimit = configuration.maxHeaderListBytes, fieldsLimit = configuration.maxHeaderCount
        if headerBlock.exceeds(bytes: bytesLimit, fields: fieldsLimit, times: 4) {
            // Four times over within one block: built to amplify. Decoding the rest of it (a
            // 16 KiB block of one-byte references is 64 MB decoded) would cost more than the
            // connection is worth; drop the connection now.
            observer.protection(.headerListRefused)
            observer.protection(.closedHeaderAbuse)
            mustClose = true
            session.terminate(errorCode: NGHTTP2Session.enhanceYourCalm)
            return .abortSession
        }
        guard let stream = headerStream, stream.id == id else { return .accept }
        if headerBlock.exceeds(bytes: bytesLimit, fields: fieldsLimit) {
            // Over: keep nothing more of it; the stream is reset when its block ends.
            stream.headerListTooLarge = true
            return .accept
        }
        if stream.phase == .awaitingHead { stream.headBuilder.add(name: name, value: value) }
        return .accept
    }

    /// Resets a stream whose header list was over the limit (ENHANCE_YOUR_CALM, which gRPC
    /// clients report as RESOURCE_EXHAUSTED), and sends away a connection that keeps doing it.
    private func refuseHeaderList(_ stream: ServerStream) {
        observer.protection(.headerListRefused)
        if stream.phase != .ended { markEnded(stream, code: .resourceExhausted) }
        session.resetStream(stream.id, errorCode: NGHTTP2Session.enhanceYourCalm)
        headerViolations += 1
        if headerViolations >= configuration.maxHeaderViolations && !mustClose {
            observer.protection(.closedHeaderAbuse)
            mustClose = true
            session.terminate(errorCode: NGHTTP2Session.enhanceYourCalm)
        }
    }

    func sessionHeadersComplete(stream id: Int32, endStream: Bool) {
        let current = headerStream
        headerStream = nil
        guard let stream = current?.id == id ? current : streams[id] else { return }
        if stream.headerListTooLarge {
            stream.headerListTooLarge = false
            refuseHeaderList(stream)
            return
        }
        if stream.phase == .awaitingHead { accept(stream) }
        if endStream { requestEnded(stream) }
    }

    func sessionData(stream id: Int32, bytes: UnsafeRawBufferPointer) {
        guard let stream = streams[id], stream.phase == .receiving else { return }
        guard bufferedRequestBytes + bytes.count <= configuration.maxBufferedRequestBytes,
              requestBytes.tryTake(bytes.count) else {
            observer.protection(.requestBytesRefused)
            end(stream, status: RPCStatus(code: .resourceExhausted,
                                          message: "request bytes over the buffer budget of this connection or node; retry with backoff"))
            return
        }
        stream.bufferedBytes += bytes.count
        bufferedRequestBytes += bytes.count
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
            reportFinished(stream, code: .cancelled)
        }
        releaseSlot(stream)
        incomplete.remove(stream)
        releaseBuffered(stream)
        unsentBytes -= stream.discardOutbound()
        stream.call = nil
        if headerStream === stream { headerStream = nil }
        if streams.isEmpty { idleSince = now() }
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
        if written > 0 {
            unsentBytes -= written
            lastOutputProgress = now()
        }
        if !stream.hasOutbound, let trailers = stream.pendingTrailers {
            stream.pendingTrailers = nil
            session.submitTrailers(stream: id, headers: trailers)
            return .endWithTrailers(written)
        }
        return written > 0 ? .bytes(written) : .deferred
    }
}

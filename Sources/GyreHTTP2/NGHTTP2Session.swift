internal import CNGHTTP2

/// What an ``NGHTTP2Session`` reports while it parses input or produces output.
///
/// Implemented by the gRPC server and client connections; every method runs synchronously
/// inside `nghttp2_session_mem_recv` / `mem_send`, so implementations must not re-enter the
/// session's receive or send.
protocol NGHTTP2SessionEvents: AnyObject {
    func sessionBeginHeaders(stream: Int32)
    /// One header field; the buffers are valid only during the call.
    func sessionHeader(stream: Int32, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HeaderVerdict
    /// A complete HEADERS block (request, response or trailers). `endStream`: the peer is done.
    func sessionHeadersComplete(stream: Int32, endStream: Bool)
    func sessionData(stream: Int32, bytes: UnsafeRawBufferPointer)
    /// A DATA frame carried END_STREAM.
    func sessionDataEndStream(stream: Int32)
    func sessionStreamClosed(stream: Int32, errorCode: UInt32)
    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32)
    /// A frame that ended this side of `stream` (END_STREAM) went out.
    func sessionSentEndStream(stream: Int32)
    /// Fill `buffer` with the stream's next outbound bytes; see ``DataReadResult``.
    func sessionReadData(stream: Int32, into buffer: UnsafeMutableRawBufferPointer) -> DataReadResult
}

/// What to do after one header field.
enum HeaderVerdict {
    /// Go on.
    case accept
    /// Reset this stream (RST_STREAM INTERNAL_ERROR); nghttp2 still decodes the rest of the block
    /// (HPACK state must stay in step) but reports none of it.
    case resetStream
    /// Stop the session at once: `receive` returns false and the rest of the input, including the
    /// rest of this block, is never decoded (for blocks built to amplify).
    case abortSession
}

/// The answer to nghttp2's request for a stream's next DATA bytes.
enum DataReadResult {
    /// `count` bytes written, more to come.
    case bytes(Int)
    /// `count` bytes written and the body is over; trailers were submitted (the HEADERS frame
    /// that follows ends the stream).
    case endWithTrailers(Int)
    /// `count` bytes written and the body is over; the DATA frame ends the stream (requests).
    case end(Int)
    /// Nothing to send now; call ``NGHTTP2Session/resumeData(stream:)`` when there is.
    case deferred
}

/// A thin owner of one `nghttp2_session`: bytes in, callbacks out, bytes to send.
///
/// Contract: not thread-safe; one owner drives it from one thread. The session is freed on
/// deinit. `receive` returns false on a connection-level error, after which the session has
/// queued a GOAWAY if HTTP/2 requires one and the owner should send pending output and close.
final class NGHTTP2Session {
    let raw: OpaquePointer
    unowned(unsafe) let events: any NGHTTP2SessionEvents

    init(server: Bool, events: any NGHTTP2SessionEvents, settings: [(id: Int32, value: UInt32)],
         connectionWindow: Int32) {
        self.events = events
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend)
        var option: OpaquePointer?
        nghttp2_option_new(&option)
        // Pings, settings ACKs and the like are answered by nghttp2 itself; we keep HTTP
        // messaging checks (content-length, pseudo-headers) on.
        nghttp2_option_set_no_closed_streams(option, 1)
        var session: OpaquePointer?
        // `self` is not yet fully initialised; pass a placeholder and set user data below.
        if server {
            nghttp2_session_server_new2(&session, callbacks, nil, option)
        } else {
            nghttp2_session_client_new2(&session, callbacks, nil, option)
        }
        nghttp2_option_del(option)
        nghttp2_session_callbacks_del(callbacks)
        guard let session else { fatalError("nghttp2_session_new failed: out of memory") }
        raw = session
        nghttp2_session_set_user_data(raw, Unmanaged.passUnretained(self).toOpaque())
        var entries = settings.map { nghttp2_settings_entry(settings_id: $0.id, value: $0.value) }
        nghttp2_submit_settings(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), &entries, entries.count)
        if connectionWindow > 65535 {
            nghttp2_session_set_local_window_size(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, connectionWindow)
        }
    }

    deinit { nghttp2_session_del(raw) }

    /// Feeds received bytes. False on a connection error (the session is then unusable).
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        let consumed = nghttp2_session_mem_recv(raw, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        return consumed >= 0
    }

    /// Hands pending output chunks to `sink`, in order, until none is left or at least
    /// `maxBytes` were handed over (the rest stays queued for the next call). False on a fatal
    /// error.
    @discardableResult
    func send(maxBytes: Int = .max, _ sink: (UnsafeRawBufferPointer) -> Void) -> Bool {
        var sent = 0
        while sent < maxBytes {
            var pointer: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(raw, &pointer)
            if count < 0 { return false }
            guard count > 0, let pointer else { return true }
            sink(UnsafeRawBufferPointer(start: pointer, count: count))
            sent += count
        }
        return true
    }

    /// True while the session still wants to read or write (false after GOAWAY with no streams).
    var isAlive: Bool { nghttp2_session_want_read(raw) != 0 || nghttp2_session_want_write(raw) != 0 }

    var wantsWrite: Bool { nghttp2_session_want_write(raw) != 0 }

    func resumeData(stream: Int32) { nghttp2_session_resume_data(raw, stream) }

    func resetStream(_ stream: Int32, errorCode: UInt32) {
        nghttp2_submit_rst_stream(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream, errorCode)
    }

    /// Sends GOAWAY naming the last stream this side processed; no new streams after it.
    func goAway(errorCode: UInt32 = NGHTTP2_NO_ERROR.rawValue) {
        let last = nghttp2_session_get_last_proc_stream_id(raw)
        nghttp2_submit_goaway(raw, UInt8(NGHTTP2_FLAG_NONE.rawValue), last, errorCode, nil, 0)
    }

    /// Sends GOAWAY with `errorCode` and ends the session once it is out: afterwards the
    /// session neither reads nor writes (``isAlive`` turns false), so the owner closes.
    func terminate(errorCode: UInt32) {
        nghttp2_session_terminate_session(raw, errorCode)
    }

    /// Submits a response (server) with headers and, when `hasBody`, a data source whose bytes
    /// come from ``NGHTTP2SessionEvents/sessionReadData(stream:into:)``. Without a body the
    /// HEADERS frame ends the stream (gRPC Trailers-Only).
    func submitResponse(stream: Int32, headers: HeaderList, hasBody: Bool) -> Bool {
        headers.withNV { nva, count in
            if hasBody {
                var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readData)
                return nghttp2_submit_response(raw, stream, nva, count, &provider) == 0
            }
            return nghttp2_submit_response(raw, stream, nva, count, nil) == 0
        }
    }

    /// Submits trailers for a stream whose DATA is done (call from the read callback).
    func submitTrailers(stream: Int32, headers: HeaderList) {
        _ = headers.withNV { nva, count in nghttp2_submit_trailer(raw, stream, nva, count) }
    }

    /// Submits a request (client) with a body from the read callback; returns the stream id,
    /// or a negative nghttp2 error code.
    func submitRequest(headers: HeaderList) -> Int32 {
        headers.withNV { nva, count in
            var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: nil), read_callback: readData)
            return nghttp2_submit_request(raw, nil, nva, count, &provider, nil)
        }
    }

    /// Streams the peer may still open, as it last told us.
    var remoteMaxConcurrentStreams: UInt32 {
        nghttp2_session_get_remote_settings(raw, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)
    }

    static let refusedStream = NGHTTP2_REFUSED_STREAM.rawValue
    static let cancel = NGHTTP2_CANCEL.rawValue
    static let noError = NGHTTP2_NO_ERROR.rawValue
    static let internalError = NGHTTP2_INTERNAL_ERROR.rawValue
    static let enhanceYourCalm = NGHTTP2_ENHANCE_YOUR_CALM.rawValue
}

// MARK: - C callbacks (no captures: they find their session through user_data)

private func owner(_ userData: UnsafeMutableRawPointer?) -> NGHTTP2Session {
    Unmanaged<NGHTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
    guard let frame else { return 0 }
    owner(userData).events.sessionBeginHeaders(stream: frame.pointee.hd.stream_id)
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
    guard let frame else { return 0 }
    let verdict = owner(userData).events.sessionHeader(stream: frame.pointee.hd.stream_id,
                                                       name: UnsafeRawBufferPointer(start: name, count: nameLength),
                                                       value: UnsafeRawBufferPointer(start: value, count: valueLength))
    switch verdict {
    case .accept: return 0
    case .resetStream: return Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
    case .abortSession: return Int32(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
    }
}

private let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, userData in
    guard let frame else { return 0 }
    let header = frame.pointee.hd
    let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
    switch Int(header.type) {
    case Int(NGHTTP2_HEADERS.rawValue):
        owner(userData).events.sessionHeadersComplete(stream: header.stream_id, endStream: endStream)
    case Int(NGHTTP2_DATA.rawValue):
        if endStream { owner(userData).events.sessionDataEndStream(stream: header.stream_id) }
    case Int(NGHTTP2_GOAWAY.rawValue):
        let goaway = frame.pointee.goaway
        owner(userData).events.sessionGoAway(lastStreamID: goaway.last_stream_id, errorCode: goaway.error_code)
    default:
        break
    }
    return 0
}

private let onFrameSend: nghttp2_on_frame_send_callback = { _, frame, userData in
    guard let frame else { return 0 }
    let header = frame.pointee.hd
    if header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
       header.type == UInt8(NGHTTP2_HEADERS.rawValue) || header.type == UInt8(NGHTTP2_DATA.rawValue) {
        owner(userData).events.sessionSentEndStream(stream: header.stream_id)
    }
    return 0
}

private let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, stream, data, length, userData in
    owner(userData).events.sessionData(stream: stream, bytes: UnsafeRawBufferPointer(start: data, count: length))
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, stream, errorCode, userData in
    owner(userData).events.sessionStreamClosed(stream: stream, errorCode: errorCode)
    return 0
}

private let readData: nghttp2_data_source_read_callback = { _, stream, buffer, length, flags, _, userData in
    let target = UnsafeMutableRawBufferPointer(start: buffer, count: length)
    switch owner(userData).events.sessionReadData(stream: stream, into: target) {
    case let .bytes(count):
        return count
    case let .endWithTrailers(count):
        flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
        return count
    case let .end(count):
        flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        return count
    case .deferred:
        return Int(NGHTTP2_ERR_DEFERRED.rawValue)
    }
}

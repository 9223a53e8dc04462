import GyreRPC

/// The client's state for one call on one HTTP/2 stream.
///
/// Contract: owned by its ``GRPCClientConnection`` on the connection's thread; reports once
/// through `onFinish`.
final class ClientStream {
    var id: Int32 = -1
    var deframer: MessageDeframer
    var request: [UInt8]
    var requestOffset = 0
    var headers = Metadata()
    var trailers = Metadata()
    var headersDone = false
    /// Bytes of header fields received so far (headers and trailers), as RFC 9113 counts them.
    var headerBytes = 0
    var httpStatus: String?
    var grpcStatus: String?
    var grpcMessage: String?
    var finished = false
    var deadline: UInt64?
    /// The connection's count of received reads when the call started, and whether a call that
    /// expires with nothing received since shows the connection silent (long enough a call).
    var receivedAtStart: UInt64 = 0
    var expiryShowsSilence = false
    let onMessage: ([UInt8]) -> Void
    let onFinish: (ClientResponse) -> Void
    var messages: [[UInt8]] = []
    let collectMessages: Bool

    init(request: [UInt8], maxMessageBytes: Int, collectMessages: Bool,
         onMessage: @escaping ([UInt8]) -> Void, onFinish: @escaping (ClientResponse) -> Void) {
        self.request = request
        self.deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
        self.collectMessages = collectMessages
        self.onMessage = onMessage
        self.onFinish = onFinish
    }

    func drainRequest(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let take = min(buffer.count, request.count - requestOffset)
        if take > 0 {
            request.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[requestOffset..<(requestOffset + take)]))
            }
            requestOffset += take
        }
        if requestOffset == request.count { request = [] ; requestOffset = 0 }
        return take
    }

    var requestDone: Bool { request.isEmpty }

    /// The status the server sent, from `grpc-status` / `grpc-message` / `:status`.
    func serverStatus() -> RPCStatus {
        if let grpcStatus, let code = Int(grpcStatus) {
            return RPCStatus(code: StatusCode(wireValue: code),
                             message: grpcMessage.map(GRPCMessageText.decode) ?? "", trailers: trailers)
        }
        if let httpStatus, httpStatus != "200" {
            return RPCStatus(code: Self.code(forHTTPStatus: httpStatus), message: "HTTP status \(httpStatus) without grpc-status")
        }
        return RPCStatus(code: .internal, message: "stream ended without grpc-status")
    }

    /// gRPC's mapping of HTTP statuses for responses that carry no grpc-status.
    static func code(forHTTPStatus status: String) -> StatusCode {
        switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }
}

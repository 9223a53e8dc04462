import NIOCore
import NIOHTTP1

/// Serves one admin connection: reads each request whole, hands it to the responder, writes the
/// answer. One request at a time (`HTTPServerPipelineHandler` holds back pipelined ones).
///
/// Contract: a body over ``AdminServer/maxBodyBytes`` is answered 413 and the connection closed;
/// a connection must send a complete request within ``AdminServer/requestTimeout`` of connecting
/// or of its previous answer, or it is closed (no slow client holds a slot for long).
final class AdminHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: AdminResponder
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var timer: Scheduled<Void>?

    init(responder: @escaping AdminResponder) {
        self.responder = responder
    }

    func channelActive(context: ChannelHandlerContext) {
        armTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body = []
            tooLarge = false
        case var .body(buffer):
            if body.count + buffer.readableBytes > AdminServer.maxBodyBytes {
                tooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            timer?.cancel()
            timer = nil
            if tooLarge {
                return write(context, .text(.payloadTooLarge, "request body over \(AdminServer.maxBodyBytes) bytes"),
                             keepAlive: false)
            }
            let request = AdminRequest(method: requestHead.method, uri: requestHead.uri, body: body)
            body = []
            let keepAlive = requestHead.isKeepAlive
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let loop = context.eventLoop
            responder(request) { response in
                loop.execute {
                    let (handler, context) = bound.value
                    handler.write(context, response, keepAlive: keepAlive)
                }
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, _ response: AdminResponse, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.count))
        headers.add(name: "cache-control", value: "no-store")
        headers.add(name: "x-content-type-options", value: "nosniff")
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
                      promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if keepAlive {
            armTimer(context)
        } else {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func armTimer(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: AdminServer.requestTimeout) { channel.close(promise: nil) }
    }
}

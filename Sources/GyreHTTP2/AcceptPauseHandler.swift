import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Pauses a listener's accepting for a while when `accept` fails for want of file descriptors
/// or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM).
///
/// Contract: the first handler of a server channel. NIO's own `AcceptBackoffHandler` cannot do
/// this here: after such a failure the listening socket stays registered for reads with a read
/// pending, so a level-triggered poll reports it readable again at once and the loop spins at
/// 100 % of a core (measured with 1,100 connections under `ulimit -n 1024`). Turning `autoRead`
/// off unregisters the socket; a timer turns it back on after `backoff`.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let backoff: TimeAmount
    private let onPause: () -> Void
    private var paused = false

    init(backoff: TimeAmount, onPause: @escaping () -> Void) {
        self.backoff = backoff
        self.onPause = onPause
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError,
              [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(ioError.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        guard !paused, let options = context.channel.syncOptions else { return }
        paused = true
        onPause()
        try? options.setOption(.autoRead, value: false)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: backoff) {
            let (handler, context) = loopBound.value
            handler.paused = false
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}

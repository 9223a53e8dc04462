import Dispatch
import Foundation

/// Waits for the first of a set of POSIX signals, delivered through Dispatch (not a C handler).
///
/// Contract: the signals' default actions are disabled from init on; ``next()`` returns the
/// number of the first one received. (Unchecked Sendable: its state is set once in init; the
/// stream is Sendable.)
final class SignalWaiter: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func next() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}

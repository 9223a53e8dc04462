import Dispatch
import Foundation

/// Runs an action on every SIGHUP (reloading certificates), through Dispatch.
///
/// Contract: from init on SIGHUP no longer ends the process; `action` runs on a Dispatch queue
/// once per delivered signal (signals that arrive together may be merged into one run).
final class HangupReloader: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init(action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
    }

    deinit { source.cancel() }
}

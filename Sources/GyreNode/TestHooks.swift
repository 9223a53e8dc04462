import GyreHTTP2
import GyreRPC
import NIOCore

/// Test-only behaviour switched on by `--enable-test-hooks`: a request carrying metadata
/// `gyre-test-delay-ms: N` has its handler started N ms late (on another event loop), so tests
/// can make a deadline pass on the server before the handler runs.
///
/// Contract: with hooks disabled, ``wrap(_:)`` returns the handler unchanged.
struct TestHooks: Sendable {
    static let delayHeader = "gyre-test-delay-ms"
    let enabled: Bool
    let group: any EventLoopGroup

    func wrap(_ handler: @escaping RegisteredMethod.Handler) -> RegisteredMethod.Handler {
        guard enabled else { return handler }
        let group = self.group
        return { call, request in
            guard let text = call.head.metadata[Self.delayHeader], let delay = Int64(text), delay > 0 else {
                return handler(call, request)
            }
            group.next().scheduleTask(in: .milliseconds(delay)) { handler(call, request) }
        }
    }
}

public import GyreHTTP2
import GyreRPC
public import NIOCore
import Synchronization

/// Test-only behaviour switched on by `--enable-test-hooks`, so tests synchronise on what the
/// node does instead of racing wall-clock delays against deadlines.
///
/// - A request carrying metadata `gyre-test-hold: NAME` is held before its handler starts (its
///   in-flight slot taken, its deadline running) until NAME is released.
/// - A request carrying `gyre-test-release: NAME` releases every request held under NAME first
///   (from another process: any KV call will do), as ``release(_:)`` does in-process.
///
/// Contract: thread-safe. With hooks disabled, ``wrap(_:)`` returns the handler unchanged and
/// nothing is ever held. Released handlers run together, in the order they were held, in one
/// pass of one event loop (so what they send to peers is batched as one pass's work).
public final class TestHooks: Sendable {
    static let holdHeader = "gyre-test-hold"
    static let releaseHeader = "gyre-test-release"

    private struct Held {
        let call: ServerCall
        let request: [UInt8]
        let handler: RegisteredMethod.Handler
    }

    private struct State {
        var held: [String: [Held]] = [:]
        var waiters: [(name: String, count: Int, resume: @Sendable (Bool) -> Void)] = []
    }

    let enabled: Bool
    private let loop: any EventLoop
    private let state = Mutex(State())

    init(enabled: Bool, loop: any EventLoop) {
        self.enabled = enabled
        self.loop = loop
    }

    func wrap(_ handler: @escaping RegisteredMethod.Handler) -> RegisteredMethod.Handler {
        guard enabled else { return handler }
        return { [self] call, request in
            let metadata = call.head.metadata
            if let name = metadata[Self.releaseHeader] {
                Self.run(take(name))
            }
            guard let name = metadata[Self.holdHeader] else { return handler(call, request) }
            let ready: [@Sendable (Bool) -> Void] = state.withLock { state in
                state.held[name, default: []].append(Held(call: call, request: request, handler: handler))
                let count = state.held[name]!.count
                let due = state.waiters.filter { $0.name == name && $0.count <= count }
                state.waiters.removeAll { $0.name == name && $0.count <= count }
                return due.map(\.resume)
            }
            for resume in ready { resume(true) }
        }
    }

    /// Requests held under `name` now.
    public func heldCount(_ name: String) -> Int { state.withLock { $0.held[name]?.count ?? 0 } }

    /// Waits until at least `count` requests are held under `name`; false after `timeoutSeconds`.
    public func waitUntilHeld(_ name: String, count: Int = 1, timeoutSeconds: Int64 = 10) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Mutex(false)
            let resume: @Sendable (Bool) -> Void = { result in
                let first = once.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: result) }
            }
            let already = state.withLock { state in
                if (state.held[name]?.count ?? 0) >= count { return true }
                state.waiters.append((name, count, resume))
                return false
            }
            if already { return resume(true) }
            loop.scheduleTask(in: .seconds(timeoutSeconds)) { resume(false) }
        }
    }

    /// Starts every request held under `name`, together, in one pass of the hooks' event loop;
    /// returns once their handlers have run (their answers may still be on their way).
    public func release(_ name: String) async {
        let held = take(name)
        try? await loop.submit { Self.run(held) }.get()
    }

    private func take(_ name: String) -> [Held] {
        state.withLock { $0.held.removeValue(forKey: name) ?? [] }
    }

    private static func run(_ held: [Held]) {
        for entry in held { entry.handler(entry.call, entry.request) }
    }
}

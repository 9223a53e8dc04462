import FuzzSupport
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

/// Client byte streams for the server-session target, captured by pumping a real
/// `GRPCClientConnection` against the fuzzed server (`FuzzServer`): client preface, SETTINGS,
/// HEADERS and DATA, then whatever the client answered (SETTINGS ACK, WINDOW_UPDATE, …).
enum SessionSeeds {
    /// One call to start on the captured connection.
    struct Call {
        var path: String
        var message: [UInt8]
        var timeoutNanoseconds: UInt64? = nil
        var metadata: Metadata = Metadata()
        var cancel = false
    }

    static func all() -> [(String, [UInt8])] {
        let get = GetRequest(key: Key("user:42"), r: 2).encode()
        let seeds: [(String, [Call], [Int], SessionScript.Options)] = [
            ("kv-get", [Call(path: "/gyre.v1.KV/Get", message: get)], [], []),
            ("kv-get-small-chunks", [Call(path: "/gyre.v1.KV/Get", message: get, timeoutNanoseconds: 5_000_000_000)], [1, 7, 24, 9], []),
            ("echo", [Call(path: FuzzMethods.echo, message: Array("hello".utf8))], [24, 30], []),
            ("later-modes", (0..<4).map { Call(path: FuzzMethods.later, message: [UInt8($0), 0xAB]) }, [100, 255], []),
            ("later-at-end", [Call(path: FuzzMethods.later, message: [1]), Call(path: FuzzMethods.later, message: [0])],
             [64], [.answerAtEnd, .closeBeforeAnswers]),
            ("fail", [Call(path: FuzzMethods.fail, message: [], metadata: ["gyre-cluster-id": "x"])], [50], []),
            ("deadline", [Call(path: FuzzMethods.later, message: [3], timeoutNanoseconds: 2_000_000)], [40, 40, 40], []),
            ("cancel", [Call(path: FuzzMethods.later, message: [3], cancel: true)], [], []),
            ("shutdown", [Call(path: FuzzMethods.echo, message: [7]), Call(path: FuzzMethods.later, message: [2])],
             [90, 20], [.shutdownEarly]),
            ("many", (0..<6).map { Call(path: $0 % 2 == 0 ? FuzzMethods.echo : FuzzMethods.later, message: [UInt8($0)]) },
             [33], []),
        ]
        return seeds.map { name, calls, sizes, options in
            let (stream, statuses) = capture(calls)
            print("\(name): \(stream.count) bytes, the client saw \(statuses)")
            return (name, SessionScript(stream: stream, chunkSizes: sizes, options: options).encoded())
        }
    }

    /// The bytes the client sends while the calls run to completion, and the statuses it saw.
    static func capture(_ calls: [Call]) -> (stream: [UInt8], statuses: [String]) {
        let harness = FuzzServer()
        let client = GRPCClientConnection(authority: "127.0.0.1:7100")
        var sent: [UInt8] = []
        var ids: [Int32?] = []
        var statuses: [String] = []
        for call in calls {
            ids.append(client.startCall(path: call.path, framedRequest: MessageFraming.frame(call.message),
                                        metadata: call.metadata, timeoutNanoseconds: call.timeoutNanoseconds,
                                        onFinish: { statuses.append("\($0.status.code)") }))
        }
        func pump() {
            for _ in 0..<100 {
                var toServer: [UInt8] = []
                client.drainOutput { toServer += $0 }
                sent += toServer
                if !toServer.isEmpty { _ = toServer.withUnsafeBytes { harness.server.receive($0) } }
                harness.answerHeld()
                var toClient: [UInt8] = []
                harness.server.drainOutput { toClient += $0 }
                if !toClient.isEmpty { _ = toClient.withUnsafeBytes { client.receive($0) } }
                if toServer.isEmpty && toClient.isEmpty { return }
            }
        }
        pump()
        for (call, id) in zip(calls, ids) where call.cancel {
            if let id { client.cancel(stream: id) }
        }
        pump()
        client.transportClosed()
        harness.server.transportClosed()
        return (sent, statuses)
    }
}

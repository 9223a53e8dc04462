import ArgumentParser
import Dispatch
import Foundation
import GyreModel
import GyreNode
import Logging
import NIOCore

/// `gyre-node`: runs one Gyre node until SIGINT or SIGTERM.
@main
struct GyreNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gyre-node",
        abstract: "Run a Gyre key-value node.",
        discussion: """
            Serves gyre.v1.KV, gyre.v1.Cluster and grpc.health.v1.Health over gRPC (HTTP/2 \
            cleartext) on --listen. Prints "gyre-node serving on HOST:PORT" once ready. \
            SIGINT/SIGTERM: graceful shutdown (GOAWAY, calls in flight finish), exit 0.
            """)

    @Option(help: "Client address, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:7100"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Longest key accepted, in bytes.")
    var maxKeyBytes: Int = 1024

    @Option(help: "Longest value accepted, in bytes.")
    var maxValueBytes: Int = 1 << 20

    @Option(help: "Largest gRPC request message, in bytes (default: 4 MiB, or value + key + 64 KiB if larger).")
    var maxMessageBytes: Int?

    @Option(help: "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection.")
    var maxConcurrentStreams: UInt32 = 100

    @Option(help: "Requests processed at once by this node; beyond that: RESOURCE_EXHAUSTED.")
    var maxInFlight: Int = 1024

    @Option(help: "Event-loop threads (0 = one per core).")
    var threads: Int = 0

    @Flag(help: .hidden)
    var enableTestHooks = false

    mutating func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown --log-level \(logLevel): use trace, debug, info, notice, warning, error or critical")
        }
        guard let (host, port) = Self.parseAddress(listen) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let configuration = NodeConfiguration(
            listenHost: host, listenPort: port,
            limits: KVLimits(maxKeyBytes: maxKeyBytes, maxValueBytes: maxValueBytes),
            maxMessageBytes: maxMessageBytes, maxConcurrentStreams: maxConcurrentStreams,
            maxInFlight: maxInFlight, eventLoopThreads: threads, enableTestHooks: enableTestHooks)
        if let problem = configuration.validate() { throw ValidationError(problem) }

        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let node = Node(configuration: configuration)
        let address: String
        do {
            let bound = try await node.start()
            address = "\(bound.ipAddress ?? host):\(bound.port ?? port)"
        } catch {
            throw ValidationError("cannot listen on \(listen): \(error)")
        }
        // Unbuffered, so a parent process reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data("gyre-node serving on \(address)\n".utf8))
        let received = await signals.next()
        Logger(label: "gyre.node").info("signal received, shutting down", metadata: ["gyre.signal": "\(received)"])
        await node.shutdown()
    }

    static func parseAddress(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

import ArgumentParser
import Foundation
import GyreClient

/// Options every command shares: where the cluster is, TLS, deadline and output format.
struct ClientOptions: ParsableArguments {
    @Option(help: "Client addresses of one or more nodes, comma-separated HOST:PORT (default: $GYRE_SEEDS, else 127.0.0.1:7100).")
    var seeds: String?

    @Option(help: "CA (PEM) the nodes' client certificates chain to: connect with TLS.")
    var tlsCa: String?

    @Option(help: "Client certificate (PEM) to present, with --tls-key (nodes with --client-auth required).")
    var tlsCert: String?

    @Option(help: "The client certificate's private key (PEM).")
    var tlsKey: String?

    @Option(help: "Deadline of the call in milliseconds.")
    var timeoutMs: Int = 5000

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be positive") }
        if tlsCa == nil && (tlsCert != nil || tlsKey != nil) { throw ValidationError("--tls-cert and --tls-key need --tls-ca") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    var seedList: [String] {
        let text = seeds ?? ProcessInfo.processInfo.environment["GYRE_SEEDS"] ?? "127.0.0.1:7100"
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var deadline: Duration { .milliseconds(timeoutMs) }

    /// A connected client (the ring learned), or exit with the documented code.
    func connect() async throws -> GyreClient {
        var configuration = GyreClientConfiguration(seeds: seedList,
                                                    tls: tlsCa.map { GyreTLS(caFile: $0, certificateFile: tlsCert, keyFile: tlsKey) })
        configuration.defaultDeadline = deadline
        configuration.watchRing = false
        do {
            return try await GyreClient.connect(configuration)
        } catch {
            throw fail(error)
        }
    }

    /// Prints `error` (text or JSON) to standard error and returns the exit code to throw.
    func fail(_ error: GyreClientError) -> ExitCode {
        let code = ExitCodes.code(for: error)
        if json {
            var object: [(String, JSON)] = [("error", .string(Self.kind(of: error))), ("message", .string(error.description)),
                                            ("exit_code", .int(Int(code)))]
            if case let .possiblyApplied(acks, hinted, _) = error {
                object.append(("acks", .int(acks)))
                object.append(("hinted", .int(hinted)))
            }
            FileHandle.standardError.write(Data((JSON.object(object).text + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data("gyre: \(error)\n".utf8))
        }
        return ExitCode(code)
    }

    static func kind(of error: GyreClientError) -> String {
        switch error {
        case .invalidArgument: "invalid_argument"
        case .tooManySiblings: "too_many_siblings"
        case .unavailable: "unavailable"
        case .possiblyApplied: "possibly_applied"
        case .deadlineExceeded: "deadline_exceeded"
        case .overloaded: "overloaded"
        case .noRing: "no_ring"
        case .cancelled: "cancelled"
        case .server: "server_error"
        case .configuration: "configuration"
        }
    }
}

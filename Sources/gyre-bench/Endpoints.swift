import ArgumentParser
import GyreHTTP2
import GyreRPC
import NIOCore

/// A server address, `host:port` (IPv6 hosts in brackets).
struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    init?(_ text: Substring) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// `host:port,host:port,...` → endpoints, or a validation error naming the bad entry.
    static func list(_ text: String, option: String = "--addresses") throws -> [Endpoint] {
        let entries = text.split(separator: ",").map { $0.trimmingPrefix(" ") }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw ValidationError("\(option) needs at least one HOST:PORT") }
        return try entries.map { entry in
            guard let endpoint = Endpoint(Substring(entry)) else {
                throw ValidationError("\(option) entries must be HOST:PORT, got \(entry)")
            }
            return endpoint
        }
    }
}

/// One-off calls (stats, ring, health) through a pooled client: not the measured path.
struct OneOffCaller {
    let client: GRPCClient

    /// A unary call with an already-framed request; the response message, or the failure.
    func call(_ endpoint: Endpoint, _ path: String, framedRequest: [UInt8],
              timeoutNanoseconds: UInt64 = 5_000_000_000) async -> Result<[UInt8], RPCError> {
        let response = await client.call(host: endpoint.host, port: endpoint.port, path: path,
                                         framedRequest: framedRequest, timeoutNanoseconds: timeoutNanoseconds)
        do {
            return .success(try response.unaryMessage())
        } catch {
            return .failure(error)
        }
    }
}

public import NIOCore

/// `HOST:PORT` addresses as the command line and the member list write them.
///
/// Contract: ``parse(_:)`` accepts a non-empty host (IPv6 hosts may be bracketed; the brackets
/// are removed) and a port in 0...65535, split at the last colon; anything else is nil.
public enum HostPort {
    public static func parse(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

extension HostPort {
    /// `address` as `host:port` (`[host]:port` for IPv6), the way logs and the ring write it;
    /// a Unix socket as its path.
    public static func text(_ address: SocketAddress) -> String {
        switch address {
        case let .v4(inner): return "\(address.ipAddress ?? inner.host):\(address.port ?? 0)"
        case .v6: return "[\(address.ipAddress ?? "")]:\(address.port ?? 0)"
        case .unixDomainSocket: return address.pathname ?? "unix"
        }
    }
}

public import GyreHTTP2

/// Who may talk to a node: TLS on each listener, and whether peers must authenticate.
///
/// Contract: with `peerTLS` the peer listener speaks mutual TLS and accepts only certificates
/// signed by its CA; outgoing peer connections present the same certificate. Without it the peer
/// listener is cleartext and binds only to loopback unless `insecurePeers` (checked by
/// ``validate(peerHost:nodeName:)``). `clientTLS` puts TLS on the client listener, asking clients
/// for certificates as `clientCertificates` says (verified against `clientTLS.trustRoots`).
public struct NodeSecurity: Sendable {
    public var peerTLS: TLSFiles?
    public var clientTLS: TLSFiles?
    public var clientCertificates: ClientCertificatePolicy
    public var insecurePeers: Bool

    public init(peerTLS: TLSFiles? = nil, clientTLS: TLSFiles? = nil, clientCertificates: ClientCertificatePolicy = .none,
                insecurePeers: Bool = false) {
        self.peerTLS = peerTLS
        self.clientTLS = clientTLS
        self.clientCertificates = clientCertificates
        self.insecurePeers = insecurePeers
    }

    /// Whether `host` only reaches this machine (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// A node name: letters, digits, '.' and '-', at most 253 bytes, not `localhost` (every
    /// development certificate names localhost too).
    public static func isValidNodeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.lowercased() != "localhost"
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x2D }
    }

    /// Why this cannot run, or nil.
    public func validate(peerHost: String, nodeName: String) -> String? {
        if !nodeName.isEmpty && !Self.isValidNodeName(nodeName) {
            return "--node-name must be letters, digits, '.' and '-' (and not localhost), got \(nodeName)"
        }
        if let peerTLS {
            if peerTLS.trustRoots == nil { return "--tls-ca is needed with --tls-cert: peers are verified against the cluster's CA" }
            if nodeName.isEmpty { return "--node-name is needed with --tls-cert: peers check that this node's certificate names it" }
        } else if !insecurePeers && !Self.isLoopback(peerHost) {
            return "the peer listener \(peerHost) is not loopback and peers are not authenticated: give --tls-cert, --tls-key and --tls-ca (mutual TLS), or --insecure-peers to accept anyone who reaches it"
        }
        if clientCertificates != .none {
            guard let clientTLS else { return "--client-auth needs TLS on the client port (--client-tls on)" }
            if clientTLS.trustRoots == nil { return "--client-auth needs --client-ca, the CA that signs client certificates (best not the peers' --tls-ca: a certificate it signs could act as a peer)" }
        }
        return nil
    }
}

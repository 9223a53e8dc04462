import NIOSSL

/// Who is on the other end of a connection, as its verified TLS certificate says.
///
/// Contract: built only from a certificate that passed verification against the listener's
/// trust roots; `names` are its DNS subject-alternative names, lower-cased. A connection without
/// TLS, or whose client presented no certificate, has no identity (nil where one is offered).
public struct PeerIdentity: Sendable, Equatable {
    public let names: [String]

    public init(names: [String]) { self.names = names.map { $0.lowercased() } }

    /// Whether the certificate names `name` (case-insensitive, exact).
    public func names(_ name: String) -> Bool {
        !name.isEmpty && names.contains(name.lowercased())
    }

    init(certificate: NIOSSLCertificate) {
        var names: [String] = []
        for alternative in certificate._subjectAlternativeNames() where alternative.nameType == .dnsName {
            names.append(alternative.contents.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) })
        }
        self.init(names: names)
    }
}

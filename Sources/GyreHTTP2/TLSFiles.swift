/// Where one side's TLS material lives: PEM files read when a context is made (and again on
/// every reload).
///
/// Contract: `certificateChain` and `privateKey` name this side's certificate (chain first) and
/// key; `trustRoots` names the CA bundle that peers' certificates must chain to (nil: none
/// accepted, for a server that asks for no client certificate).
public struct TLSFiles: Sendable, Equatable {
    public var certificateChain: String
    public var privateKey: String
    public var trustRoots: String?

    public init(certificateChain: String, privateKey: String, trustRoots: String?) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.trustRoots = trustRoots
    }
}

/// Whether a TLS server asks its clients for a certificate.
public enum ClientCertificatePolicy: String, Sendable, CaseIterable {
    /// No client certificate is asked for.
    case none
    /// A client may present one; when it does it must chain to the trust roots.
    case optional
    /// Every client must present one that chains to the trust roots.
    case required
}

/// Why a TLS context could not be made.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

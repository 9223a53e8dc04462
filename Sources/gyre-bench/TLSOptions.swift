import ArgumentParser
import GyreHTTP2

/// The load generator's TLS options, for nodes that serve their client port over TLS.
struct TLSOptions: ParsableArguments {
    @Option(help: "CA (PEM) the servers' certificates must chain to: connect with TLS.")
    var tlsCa: String?

    @Option(help: "Client certificate (PEM) to present, with --tls-key.")
    var tlsCert: String?

    @Option(help: "The client certificate's private key (PEM).")
    var tlsKey: String?

    /// The client TLS to use, or nil for cleartext.
    func clientTLS() throws -> ClientTLS? {
        guard let tlsCa else {
            if tlsCert != nil || tlsKey != nil { throw ValidationError("--tls-cert and --tls-key need --tls-ca") }
            return nil
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        do {
            return try ClientTLS(trustRoots: tlsCa, certificateChain: tlsCert, privateKey: tlsKey)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

import NIOSSL
import Synchronization

/// The TLS side of outgoing connections: servers must present a certificate that chains to the
/// trust roots; a client certificate is presented when one is configured. ALPN `h2`.
///
/// Contract: thread-safe; ``reload()`` makes the context anew from the same files for new
/// connections (a failure throws and keeps the previous one). No hostname check: nodes are
/// dialled by address and identified by their certificates' names.
public final class ClientTLS: Sendable {
    public let trustRoots: String
    public let certificateChain: String?
    public let privateKey: String?
    private let current: Mutex<NIOSSLContext>

    public init(trustRoots: String, certificateChain: String? = nil, privateKey: String? = nil) throws(TLSSetupError) {
        self.trustRoots = trustRoots
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        current = Mutex(try Self.makeContext(trustRoots: trustRoots, certificateChain: certificateChain, privateKey: privateKey))
    }

    /// The client side of mutual TLS with `files` (their trust roots are required).
    public convenience init(mutual files: TLSFiles) throws(TLSSetupError) {
        guard let roots = files.trustRoots else { throw TLSSetupError("mutual TLS needs a CA file") }
        try self.init(trustRoots: roots, certificateChain: files.certificateChain, privateKey: files.privateKey)
    }

    public func reload() throws(TLSSetupError) {
        try prepareReload().commit()
    }

    /// Reads the files again without using them yet (see ``TLSReload``).
    public func prepareReload() throws(TLSSetupError) -> TLSReload {
        let context = try Self.makeContext(trustRoots: trustRoots, certificateChain: certificateChain, privateKey: privateKey)
        return TLSReload(identity: nil) { self.current.withLock { $0 = context } }
    }

    var context: NIOSSLContext { current.withLock { $0 } }

    private static func makeContext(trustRoots: String, certificateChain: String?, privateKey: String?) throws(TLSSetupError) -> NIOSSLContext {
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            configuration.applicationProtocols = ["h2"]
            configuration.trustRoots = .file(trustRoots)
            configuration.certificateVerification = .noHostnameVerification
            if let certificateChain, let privateKey {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("cannot load TLS files (CA \(trustRoots)\(certificateChain.map { ", certificate \($0)" } ?? "")): \(error)")
        }
    }
}

import NIOSSL
import Synchronization

/// The TLS side of a listener: a context made from ``TLSFiles`` with ALPN `h2`, which
/// ``reload()`` makes anew from the same files.
///
/// Contract: thread-safe. Each new connection takes the context current when it is accepted, so
/// a reload takes effect for new connections and leaves open ones as they are. A failed reload
/// throws and keeps the previous context. Clients that present a certificate are verified
/// against the trust roots (no hostname check: peers are identified by the names in their
/// certificate, see ``PeerIdentity``).
public final class ServerTLS: Sendable {
    public let files: TLSFiles
    public let clientCertificates: ClientCertificatePolicy
    private let current: Mutex<(context: NIOSSLContext, identity: PeerIdentity)>

    public init(files: TLSFiles, clientCertificates: ClientCertificatePolicy) throws(TLSSetupError) {
        self.files = files
        self.clientCertificates = clientCertificates
        current = Mutex(try Self.makeContext(files: files, clientCertificates: clientCertificates))
    }

    /// Reads the files again; new connections use the new context.
    public func reload() throws(TLSSetupError) {
        try prepareReload().commit()
    }

    /// Reads and checks the files again without using them yet: the caller can check what the new
    /// certificate names, and commit several listeners' reloads together or none.
    public func prepareReload() throws(TLSSetupError) -> TLSReload {
        let made = try Self.makeContext(files: files, clientCertificates: clientCertificates)
        return TLSReload(identity: made.identity) { self.current.withLock { $0 = made } }
    }

    var context: NIOSSLContext { current.withLock { $0.context } }

    /// What this listener's own certificate (the first of its chain) names.
    public var certificateIdentity: PeerIdentity { current.withLock { $0.identity } }

    private static func makeContext(files: TLSFiles, clientCertificates: ClientCertificatePolicy) throws(TLSSetupError)
        -> (context: NIOSSLContext, identity: PeerIdentity) {
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(files.certificateChain)
            guard let leaf = certificates.first else { throw TLSSetupError("\(files.certificateChain) holds no certificate") }
            let chain = certificates.map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.privateKey, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            configuration.applicationProtocols = ["h2"]
            switch clientCertificates {
            case .none:
                configuration.certificateVerification = .none
            case .optional:
                configuration.certificateVerification = .optionalVerification
            case .required:
                configuration.certificateVerification = .noHostnameVerification
            }
            if clientCertificates != .none {
                guard let roots = files.trustRoots else {
                    throw TLSSetupError("client certificates need a CA file to verify them against")
                }
                configuration.trustRoots = .file(roots)
                configuration.sendCANameList = true
            }
            return (try NIOSSLContext(configuration: configuration), PeerIdentity(certificate: leaf))
        } catch let error as TLSSetupError {
            throw error
        } catch {
            throw TLSSetupError("cannot load TLS files (certificate \(files.certificateChain), key \(files.privateKey)\(files.trustRoots.map { ", CA \($0)" } ?? "")): \(error)")
        }
    }
}

/// A TLS context made anew from its files and not yet in use: ``commit()`` puts it in use for new
/// connections; dropping it leaves the previous context.
public struct TLSReload: Sendable {
    /// What the new certificate names (empty for a client context without a certificate).
    public let identity: PeerIdentity?
    private let install: @Sendable () -> Void

    init(identity: PeerIdentity?, install: @escaping @Sendable () -> Void) {
        self.identity = identity
        self.install = install
    }

    public func commit() { install() }
}

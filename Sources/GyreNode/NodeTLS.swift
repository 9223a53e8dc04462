import GyreHTTP2

/// The TLS contexts of one node, made from its ``NodeSecurity``: the peer listener's (mutual),
/// the outgoing peer connections' (the same certificate) and the client listener's.
///
/// Contract: ``init(security:nodeName:)`` refuses a node certificate that does not name the
/// node (so a misconfigured node fails at start, not at its first peer call); ``reload()`` makes
/// every context anew from the same files, all of them or none.
final class NodeTLS: Sendable {
    let peerListener: ServerTLS?
    let peerClient: ClientTLS?
    let clientListener: ServerTLS?
    let nodeName: String

    init(security: NodeSecurity, nodeName: String) throws(NodeStartError) {
        self.nodeName = nodeName
        do {
            if let files = security.peerTLS {
                let listener = try ServerTLS(files: files, clientCertificates: .required)
                try Self.check(listener, names: nodeName, file: files.certificateChain)
                peerListener = listener
                peerClient = try ClientTLS(mutual: files)
            } else {
                peerListener = nil
                peerClient = nil
            }
            if let files = security.clientTLS {
                clientListener = try ServerTLS(files: files, clientCertificates: security.clientCertificates)
            } else {
                clientListener = nil
            }
        } catch let error as TLSSetupError {
            throw NodeStartError("\(error)")
        } catch let error as NodeStartError {
            throw error
        } catch {
            throw NodeStartError("\(error)")
        }
    }

    /// Reads every file again and checks the peer certificate still names this node before any
    /// context changes: a failed reload leaves all three as they were.
    func reload() throws(TLSSetupError) {
        var reloads: [TLSReload] = []
        if let peerListener {
            let reload = try peerListener.prepareReload()
            if let identity = reload.identity, !identity.names(nodeName) {
                throw TLSSetupError("the certificate \(peerListener.files.certificateChain) does not name this node (--node-name \(nodeName)); its DNS names are \(identity.names)")
            }
            reloads.append(reload)
        }
        if let peerClient { reloads.append(try peerClient.prepareReload()) }
        if let clientListener { reloads.append(try clientListener.prepareReload()) }
        for reload in reloads { reload.commit() }
    }

    private static func check(_ tls: ServerTLS, names name: String, file: String) throws(NodeStartError) {
        let identity = tls.certificateIdentity
        guard identity.names(name) else {
            throw NodeStartError("the certificate \(file) does not name this node (--node-name \(name)); its DNS names are \(identity.names)")
        }
    }
}

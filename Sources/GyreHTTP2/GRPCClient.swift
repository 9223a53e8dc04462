public import GyreRPC
public import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A pool of gRPC connections, one per server address, reused by every call to that address.
///
/// Contract: thread-safe. Calls never throw: failures to connect or lost connections are
/// answered as UNAVAILABLE statuses. A connection that closed or received GOAWAY is replaced
/// by a new one on the next call (so a restarted server is reached again). After ``close()``
/// every call fails UNAVAILABLE at once and no connection is opened. With a ``ClientTLS``
/// every connection speaks TLS (ALPN `h2`) and presents its client certificate, if any.
public final class GRPCClient: Sendable {
    let group: any EventLoopGroup
    let maxMessageBytes: Int
    let connectTimeoutNanoseconds: Int64
    public let tls: ClientTLS?
    private let slots = Mutex<(open: [String: Slot], closed: Bool)>(([:], false))
    private let opened = Atomic<Int>(0)

    public init(group: any EventLoopGroup, maxMessageBytes: Int = 64 << 20,
                connectTimeoutNanoseconds: Int64 = 2_000_000_000, tls: ClientTLS? = nil) {
        self.group = group
        self.tls = tls
        self.maxMessageBytes = maxMessageBytes
        self.connectTimeoutNanoseconds = connectTimeoutNanoseconds
    }

    /// Connections this client has opened so far.
    public var connectionsOpened: Int { opened.load(ordering: .relaxed) }

    private enum Slot {
        case connecting(EventLoopFuture<ClientConnection>)
        case ready(ClientConnection)
    }

    /// The usable connection for `key`, or the connection being opened (opening one if needed).
    private func slot(key: String, open: () -> EventLoopFuture<ClientConnection>) -> Slot {
        slots.withLock { slots in
            if slots.closed { return .connecting(group.next().makeFailedFuture(RPCTransportError.closed)) }
            switch slots.open[key] {
            case let .ready(connection)? where connection.isUsable:
                return .ready(connection)
            case let .connecting(future)?:
                return .connecting(future)
            default:
                let future = open()
                slots.open[key] = .connecting(future)
                return .connecting(future)
            }
        }
    }

    /// The connection to `host:port`, opening one if there is none usable.
    public func connection(host: String, port: Int) async throws -> ClientConnection {
        let key = "\(host):\(port)"
        let slot = self.slot(key: key) { connect(host: host, port: port) }
        switch slot {
        case let .ready(connection):
            return connection
        case let .connecting(future):
            do {
                let connection = try await future.get()
                slots.withLock { slots in
                    if case let .connecting(pending)? = slots.open[key], pending === future { slots.open[key] = .ready(connection) }
                }
                return connection
            } catch {
                slots.withLock { slots in
                    if case let .connecting(pending)? = slots.open[key], pending === future { slots.open[key] = nil }
                }
                throw error
            }
        }
    }

    /// Why a connection failed, without NIO's rendering of the address (the caller names it as
    /// `host:port`).
    static func reason(_ error: any Error) -> String {
        if let failure = error as? NIOConnectionError, let first = failure.connectionErrors.first {
            return "\(first.error)"
        }
        return "\(error)"
    }

    /// One unary or server-streaming call to `host:port`.
    public func call(host: String, port: Int, path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                     timeoutNanoseconds: UInt64? = nil,
                     onMessage: (@Sendable ([UInt8]) -> Void)? = nil) async -> ClientResponse {
        let connection: ClientConnection
        do {
            connection = try await self.connection(host: host, port: port)
        } catch {
            return ClientResponse(status: RPCStatus(code: .unavailable, message: "cannot connect to \(host):\(port): \(Self.reason(error))"),
                                  notProcessed: true)
        }
        return await connection.call(path: path, framedRequest: framedRequest, metadata: metadata,
                                     timeoutNanoseconds: timeoutNanoseconds, onMessage: onMessage)
    }

    /// One call without `async`: `completion` runs once with the response, on an event loop.
    /// Uses the pooled connection when it is ready (no task, no allocation beyond the call's);
    /// otherwise waits for the connection being opened.
    public func start(host: String, port: Int, path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                      timeoutNanoseconds: UInt64? = nil, completion: @escaping @Sendable (ClientResponse) -> Void) {
        start(address: "\(host):\(port)", path: path, framedRequest: framedRequest, metadata: metadata,
              timeoutNanoseconds: timeoutNanoseconds, completion: completion)
    }

    /// As ``start(host:port:path:framedRequest:metadata:timeoutNanoseconds:completion:)`` with a
    /// `HOST:PORT` address, which is the pool's key as it is: it is parsed only when a connection
    /// has to be opened (node-to-node calls reach here with members' addresses).
    public func start(address: String, path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                      timeoutNanoseconds: UInt64? = nil, completion: @escaping @Sendable (ClientResponse) -> Void) {
        let key = address
        let slot = self.slot(key: key) {
            guard let (host, port) = HostPort.parse(address) else {
                return group.next().makeFailedFuture(RPCTransportError.badAddress(address))
            }
            return connect(host: host, port: port)
        }
        switch slot {
        case let .ready(connection):
            connection.start(path: path, framedRequest: framedRequest, metadata: metadata,
                             timeoutNanoseconds: timeoutNanoseconds, completion: completion)
        case let .connecting(future):
            future.whenComplete { [self] result in
                switch result {
                case let .success(connection):
                    slots.withLock { slots in
                        if case let .connecting(pending)? = slots.open[key], pending === future { slots.open[key] = .ready(connection) }
                    }
                    connection.start(path: path, framedRequest: framedRequest, metadata: metadata,
                                     timeoutNanoseconds: timeoutNanoseconds, completion: completion)
                case let .failure(error):
                    slots.withLock { slots in
                        if case let .connecting(pending)? = slots.open[key], pending === future { slots.open[key] = nil }
                    }
                    completion(ClientResponse(status: RPCStatus(code: .unavailable,
                                                                message: "cannot connect to \(address): \(Self.reason(error))"),
                                              notProcessed: true))
                }
            }
        }
    }

    /// Closes every connection.
    public func close() async {
        let all = slots.withLock { slots in
            slots.closed = true
            defer { slots.open.removeAll() }
            return Array(slots.open.values)
        }
        for slot in all {
            switch slot {
            case let .ready(connection): await connection.close()
            case let .connecting(future): if let connection = try? await future.get() { await connection.close() }
            }
        }
    }

    private func connect(host: String, port: Int) -> EventLoopFuture<ClientConnection> {
        let authority = "\(host):\(port)"
        let maxMessageBytes = self.maxMessageBytes
        let tlsContext = tls?.context
        opened.wrappingAdd(1, ordering: .relaxed)
        return ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(connectTimeoutNanoseconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: nil))
                    }
                    let connection = GRPCClientConnection(authority: authority, scheme: tlsContext == nil ? "http" : "https",
                                                          maxMessageBytes: maxMessageBytes)
                    try channel.pipeline.syncOperations.addHandler(GRPCClientChannelHandler(connection: connection))
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                let handler = try channel.pipeline.syncOperations.handler(type: GRPCClientChannelHandler.self)
                return ClientConnection(channel: channel, handler: handler, goingAway: handler.goingAwayFlag)
            }
    }
}

/// Set once a connection closed or its server sent GOAWAY; read from any thread.
final class GoingAwayFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}

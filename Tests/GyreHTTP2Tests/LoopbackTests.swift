import GyreHTTP2
import GyreRPC
import NIOCore
import NIOPosix
import Testing

/// The NIO drivers over real loopback sockets: connection reuse, reconnection, deadlines.
@Suite struct LoopbackTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    func startServer(port: Int = 0, held: HeldCalls = HeldCalls(),
                     observer: CountingObserver = CountingObserver()) async throws -> (GRPCServer, Int) {
        var router = RPCRouter()
        registerTestMethods(&router, held: held)
        let server = GRPCServer(configuration: ServerConfiguration(), router: router,
                                limiter: InFlightLimiter(limit: 1000), observer: observer, group: Self.group)
        let address = try await server.start(host: "127.0.0.1", port: port)
        return (server, try #require(address.port))
    }

    @Test func manyConcurrentCallsShareOneConnection() async throws {
        let (server, port) = try await startServer()
        let client = GRPCClient(group: Self.group)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask {
                    let message = Array("call-\(index)".utf8)
                    let response = await client.call(host: "127.0.0.1", port: port, path: echoPath,
                                                     framedRequest: MessageFraming.frame(message))
                    return (try? response.unaryMessage()) == message
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 300 && results.allSatisfy { $0 })
        #expect(client.connectionsOpened == 1)
        #expect(server.connectionsAccepted == 1)
        await client.close()
        await server.shutdownGracefully()
    }

    @Test func aClosedClientOpensNoConnection() async throws {
        let (server, port) = try await startServer()
        let client = GRPCClient(group: Self.group)
        #expect(await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame([1])).status.code == .ok)
        await client.close()
        let after = await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame([2]))
        #expect(after.status.code == .unavailable && after.notProcessed)
        #expect(client.connectionsOpened == 1)
        await server.shutdownGracefully()
    }

    @Test func reconnectsAfterServerRestart() async throws {
        let (first, port) = try await startServer()
        let client = GRPCClient(group: Self.group)
        let before = await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame([1]))
        #expect(before.status.code == .ok)
        await first.shutdownGracefully()
        let down = await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame([2]))
        #expect(down.status.code == .unavailable)
        let (second, _) = try await startServer(port: port)
        let after = await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame([3]))
        #expect(try after.unaryMessage() == [3])
        #expect(client.connectionsOpened >= 2)
        await client.close()
        await second.shutdownGracefully()
    }

    @Test func serverStreamingOverSockets() async throws {
        let (server, port) = try await startServer()
        let client = GRPCClient(group: Self.group)
        let response = await client.call(host: "127.0.0.1", port: port, path: streamPath,
                                         framedRequest: MessageFraming.frame([200]))
        #expect(response.status.code == .ok)
        #expect(response.messages.count == 200)
        #expect(response.messages.last == [199])
        await client.close()
        await server.shutdownGracefully()
    }

    @Test func largeMessagesCrossFlowControlWindows() async throws {
        let (server, port) = try await startServer()
        let client = GRPCClient(group: Self.group)
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let response = await client.call(host: "127.0.0.1", port: port, path: echoPath, framedRequest: MessageFraming.frame(big))
        #expect(try response.unaryMessage() == big)
        await client.close()
        await server.shutdownGracefully()
    }

    @Test func serverEnforcesDeadlineWithRealTime() async throws {
        let held = HeldCalls()
        let observer = CountingObserver()
        let (server, port) = try await startServer(held: held, observer: observer)
        let client = GRPCClient(group: Self.group)
        let connection = try await client.connection(host: "127.0.0.1", port: port)
        // The client's own deadline is far later: only the server can answer in time.
        let response = await connection.call(path: holdPath, framedRequest: MessageFraming.frame([1]),
                                             metadata: ["grpc-timeout": "50m"])
        #expect(response.status.code == .deadlineExceeded)
        #expect(observer.count("deadline") == 1)
        #expect(held.all.first?.0.isExpired == true)
        await client.close()
        await server.shutdownGracefully()
    }

    @Test func gracefulShutdownCompletesCallsInFlight() async throws {
        let held = HeldCalls()
        let (server, port) = try await startServer(held: held)
        let client = GRPCClient(group: Self.group)
        async let pending = client.call(host: "127.0.0.1", port: port, path: holdPath, framedRequest: MessageFraming.frame([7]))
        while held.count == 0 { await Task.yield() }
        async let shutdown: Void = server.shutdownGracefully()
        // The in-memory tests pin the GOAWAY ordering; here: shutdown under way, the call still completes.
        await Task.yield()
        held.all[0].0.respond(MessageFraming.frame([7]))
        let response = await pending
        await shutdown
        #expect(try response.unaryMessage() == [7])
        await client.close()
    }

    @Test func serverDyingMidCallGivesUnavailable() async throws {
        let held = HeldCalls()
        let (server, port) = try await startServer(held: held)
        let client = GRPCClient(group: Self.group)
        async let pending = client.call(host: "127.0.0.1", port: port, path: holdPath, framedRequest: MessageFraming.frame([1]))
        while held.count == 0 { await Task.yield() }
        // No grace at all: the connection is closed with the call unanswered.
        await server.shutdownGracefully(timeoutNanoseconds: 0)
        let response = await pending
        #expect(response.status.code == .unavailable)
        #expect(held.all[0].0.isCancelled)
        await client.close()
    }
}

import GyreHTTP2
import GyreModel
@testable import GyreNode
@testable import GyrePipeline
import GyreRPC
import GyreWire
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The batcher against a peer that refuses its batch: one that predates `Replica.Batch` (it
/// knows only Get and Put: UNIMPLEMENTED), or one that finds it too large (RESOURCE_EXHAUSTED,
/// as for more items than its cap): the items are sent again as single calls.
@Suite struct ReplicaBatcherTests {
    @Test(arguments: [StatusCode.unimplemented, .resourceExhausted])
    func aPeerThatRefusesTheBatchGetsSingleCalls(refusal: StatusCode) async throws {
        let singles = Mutex<[String]>([])
        var router = RPCRouter()
        if refusal != .unimplemented {
            router.register("/gyre.v1.Replica/Batch") { call, _ in call.fail(RPCError(refusal, "refused")) }
        }
        router.register("/gyre.v1.Replica/Get") { call, bytes in
            let request = try! ReplicaGetRequest.decode(bytes)
            singles.withLock { $0.append("get \(String(decoding: request.key.bytes, as: UTF8.self))") }
            call.respond(ReplicaGetResponse(versionSet: request.key.bytes).encodeFramed())
        }
        router.register("/gyre.v1.Replica/Put") { call, bytes in
            let request = try! ReplicaPutRequest.decode(bytes)
            singles.withLock { $0.append("put \(String(decoding: request.key.bytes, as: UTF8.self))") }
            call.respond(ReplicaPutResponse().encodeFramed())
        }
        let server = GRPCServer(configuration: ServerConfiguration(), router: router, limiter: InFlightLimiter(limit: 100),
                                group: NodeHarness.group)
        let address = try await server.start(host: "127.0.0.1", port: 0)
        let client = GRPCClient(group: NodeHarness.group)
        var random = SystemRandomNumberGenerator()
        let peers = PeerClient(client: client, clusterID: nil, selfID: NodeID.random(using: &random))
        let batcher = ReplicaBatcher(scheduler: EventLoopScheduler(loop: NodeHarness.group.next()),
                                     transport: PeerTransport(peers: SharedPeerClient(peers)), batchesSent: Counter())
        let target = Member(id: NodeID.random(using: &random), peerAddress: "127.0.0.1:\(address.port!)")
        let deadline = NIODeadline.now().uptimeNanoseconds + 5_000_000_000
        let loop = NodeHarness.group.next()
        // Enqueued in one pass of one event loop: one batch of gets and one of puts.
        let results: [String] = try await loop.submit {
            let promise = loop.makePromise(of: [String].self)
            let answers = Mutex<[String]>([])
            let finish: @Sendable (String) -> Void = { answer in
                let all = answers.withLock { $0.append(answer); return $0 }
                if all.count == 4 { promise.succeed(all.sorted()) }
            }
            for key in ["a", "b"] {
                batcher.get(target, epoch: 1, ReplicaGetRequest(key: Key(key), partition: 0), deadline: deadline) { result in
                    finish((try? result.get()).flatMap { $0.versionSet }.map { "got \(String(decoding: $0, as: UTF8.self))" } ?? "get failed")
                }
                batcher.put(target, epoch: 1, ReplicaPutRequest(key: Key(key), partition: 0, versionSet: [1]), deadline: deadline) { result in
                    finish((try? result.get()) != nil ? "put \(key) ok" : "put failed")
                }
            }
            return promise.futureResult
        }.flatMap { $0 }.get()
        #expect(results == ["got a", "got b", "put a ok", "put b ok"])
        #expect(singles.withLock { $0.sorted() } == ["get a", "get b", "put a", "put b"])
        await client.close()
        await server.shutdownGracefully(timeoutNanoseconds: 1_000_000_000)
    }
}

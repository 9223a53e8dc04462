import GyreHTTP2
import GyreRPC
import GyreTestKit

/// Hand-made HTTP/2 frames, for sending a server what no well-behaved client library would:
/// bodies that never end, windows that never open, header blocks built to amplify.
enum RawHTTP2 {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static let data: UInt8 = 0, headers: UInt8 = 1, rstStream: UInt8 = 3, settings: UInt8 = 4, windowUpdate: UInt8 = 8
    static let endStream: UInt8 = 1, endHeaders: UInt8 = 4, ack: UInt8 = 1

    static func frame(_ type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        let length = payload.count
        return [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)]
            + payload
    }

    /// SETTINGS with (id, value) pairs; INITIAL_WINDOW_SIZE is 4.
    static func settingsFrame(_ entries: [(UInt16, UInt32)] = []) -> [UInt8] {
        var payload: [UInt8] = []
        for (id, value) in entries {
            payload += [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(value >> 24), UInt8(value >> 16 & 0xFF),
                        UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return frame(settings, payload)
    }

    /// An HPACK integer with an `prefixBits`-bit prefix whose high bits are `pattern`.
    static func integer(_ value: Int, prefixBits: Int, pattern: UInt8) -> [UInt8] {
        let max = (1 << prefixBits) - 1
        if value < max { return [pattern | UInt8(value)] }
        var bytes = [pattern | UInt8(max)]
        var rest = value - max
        while rest >= 128 {
            bytes.append(UInt8(rest % 128 + 128))
            rest /= 128
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    static func string(_ text: [UInt8]) -> [UInt8] { integer(text.count, prefixBits: 7, pattern: 0) + text }

    /// A literal field without indexing, new name.
    static func literal(_ name: String, _ value: String) -> [UInt8] {
        [0x00] + string(Array(name.utf8)) + string(Array(value.utf8))
    }

    /// A literal field with incremental indexing (it enters the dynamic table), new name.
    static func indexedLiteral(_ name: String, _ value: [UInt8]) -> [UInt8] {
        [0x40] + string(Array(name.utf8)) + string(value)
    }

    /// A reference to table entry `index` (62 is the newest dynamic entry).
    static func indexed(_ index: Int) -> [UInt8] { integer(index, prefixBits: 7, pattern: 0x80) }

    /// The header block of a gRPC request to `path`; `te` nil leaves it out.
    static func requestBlock(path: String, te: String? = "trailers", extra: [(String, String)] = []) -> [UInt8] {
        var block = literal(":method", "POST") + literal(":scheme", "http") + literal(":path", path)
            + literal(":authority", "memory") + literal("content-type", "application/grpc")
        if let te { block += literal("te", te) }
        for (name, value) in extra { block += literal(name, value) }
        return block
    }

    static func headersFrame(stream: UInt32, block: [UInt8], endStream end: Bool = false) -> [UInt8] {
        frame(headers, flags: endHeaders | (end ? endStream : 0), stream: stream, block)
    }

    static func dataFrame(stream: UInt32, _ bytes: [UInt8], endStream end: Bool = false) -> [UInt8] {
        frame(data, flags: end ? endStream : 0, stream: stream, bytes)
    }
}

/// A server connection fed raw bytes: what it answers is parsed into frames.
final class RawServer {
    let clock = ManualClock()
    let server: GRPCServerConnection
    let observer = CountingObserver()
    let limiter: InFlightLimiter
    let held = HeldCalls()

    init(configuration: ServerConfiguration = ServerConfiguration(), inFlightLimit: Int = 1000,
         budgets: ((InFlightLimiter) -> CallBudgets)? = nil, register: ((inout RPCRouter) -> Void)? = nil) {
        var router = RPCRouter()
        registerTestMethods(&router, held: held)
        register?(&router)
        limiter = InFlightLimiter(limit: inFlightLimit)
        let clock = self.clock
        server = GRPCServerConnection(configuration: configuration, router: router,
                                      budgets: budgets?(limiter) ?? CallBudgets(calls: limiter),
                                      requestBytes: ByteBudget(limit: configuration.maxBufferedRequestBytesTotal),
                                      observer: observer, executor: ImmediateExecutor(), now: { clock.now() })
    }

    /// Feeds `bytes`; returns whether the connection is still healthy.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { server.receive($0) } }

    /// The frames the server has to send now, parsed.
    func answers() -> [ServerFrame] {
        var out: [UInt8] = []
        server.drainOutput { out.append(contentsOf: $0) }
        return ServerFrame.parse(out)
    }

    /// Preface and empty SETTINGS (optionally with entries), then the server's SETTINGS acked.
    func open(settings: [(UInt16, UInt32)] = []) {
        send(RawHTTP2.preface + RawHTTP2.settingsFrame(settings) + RawHTTP2.frame(RawHTTP2.settings, flags: RawHTTP2.ack))
        _ = answers()
    }
}

/// One frame the server sent.
struct ServerFrame {
    let type: UInt8
    let flags: UInt8
    let stream: UInt32
    let payload: [UInt8]

    /// RST_STREAM's or GOAWAY's error code.
    var errorCode: UInt32? {
        switch type {
        case RawHTTP2.rstStream where payload.count == 4: return Self.u32(payload, 0)
        case 7 where payload.count >= 8: return Self.u32(payload, 4)
        default: return nil
        }
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func parse(_ bytes: [UInt8]) -> [ServerFrame] {
        var frames: [ServerFrame] = []
        var at = 0
        while at + 9 <= bytes.count {
            let length = Int(bytes[at]) << 16 | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2])
            guard at + 9 + length <= bytes.count else { break }
            frames.append(ServerFrame(type: bytes[at + 3], flags: bytes[at + 4],
                                      stream: u32(bytes, at + 5) & 0x7FFF_FFFF,
                                      payload: Array(bytes[(at + 9)..<(at + 9 + length)])))
            at += 9 + length
        }
        return frames
    }
}

extension [ServerFrame] {
    func resets(stream: UInt32) -> [ServerFrame] { filter { $0.type == RawHTTP2.rstStream && $0.stream == stream } }
    var goAway: ServerFrame? { first { $0.type == 7 } }
}

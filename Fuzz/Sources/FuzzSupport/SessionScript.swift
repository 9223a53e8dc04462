/// The input of the server-session fuzz target: what a client sends, how it arrives, and what
/// the server side does meanwhile.
///
/// Layout: `stream ‖ sizes ‖ control`. The last byte is `control`: its low 5 bits give the number
/// of size bytes before it (at most the bytes there are), its high bits the ``Options``. The
/// stream arrives in chunks of those sizes in turn (a size byte of 0 counts as 1), cycling; with
/// no sizes it arrives whole. A seed keeps the client's bytes first, so it starts with the
/// HTTP/2 client preface.
///
/// Contract: every byte string parses (the empty one as an empty stream); ``encoded()`` of a
/// script with at most 31 sizes in 1...255 parses back to the same script.
public struct SessionScript: Equatable {
    /// What the server does besides reading, chosen by the control byte's high bits.
    public struct Options: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue & 0xE0 }

        /// Begin a graceful shutdown (GOAWAY) after the first chunk.
        public static let shutdownEarly = Options(rawValue: 0x20)
        /// Answer held calls only after the last chunk, not after each one.
        public static let answerAtEnd = Options(rawValue: 0x40)
        /// Close the transport before the last answers (they must be ignored).
        public static let closeBeforeAnswers = Options(rawValue: 0x80)
    }

    public var stream: [UInt8]
    public var chunkSizes: [Int]
    public var options: Options

    public init(stream: [UInt8], chunkSizes: [Int] = [], options: Options = []) {
        self.stream = stream
        self.chunkSizes = chunkSizes
        self.options = options
    }

    public init(parsing bytes: [UInt8]) {
        guard let control = bytes.last else {
            self.init(stream: [])
            return
        }
        let body = bytes.count - 1
        let sizeCount = min(Int(control & 0x1F), body)
        let sizes = bytes[(body - sizeCount)..<body].map { max(1, Int($0)) }
        self.init(stream: Array(bytes[0..<(body - sizeCount)]), chunkSizes: sizes,
                  options: Options(rawValue: control))
    }

    public func encoded() -> [UInt8] {
        precondition(chunkSizes.count <= 31 && chunkSizes.allSatisfy { (1...255).contains($0) })
        return stream + chunkSizes.map { UInt8($0) } + [options.rawValue | UInt8(chunkSizes.count)]
    }

    /// The stream cut into the chunks it arrives in.
    public var chunks: [ArraySlice<UInt8>] {
        guard !chunkSizes.isEmpty else { return stream.isEmpty ? [] : [stream[...]] }
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var next = 0
        while start < stream.count {
            let end = min(stream.count, start + chunkSizes[next % chunkSizes.count])
            result.append(stream[start..<end])
            start = end
            next += 1
        }
        return result
    }
}

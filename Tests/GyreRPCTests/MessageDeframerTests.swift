import GyreRPC
import GyreTestKit
import Testing

/// MessageDeframer: same messages however the bytes are split; errors from the prefix alone.
@Suite("MessageDeframer")
struct MessageDeframerTests {
    /// Feeds `pieces` in order and returns every message, then checks the stream ended cleanly.
    /// Both ways in: `append` + `next`, and `feed` (which parses whole messages in place); they
    /// must agree.
    private func deframe(_ pieces: [[UInt8]], maxMessageBytes: Int = 1 << 20) throws(DeframeError) -> [[UInt8]] {
        var deframer = MessageDeframer(maxMessageBytes: maxMessageBytes)
        var messages: [[UInt8]] = []
        for piece in pieces {
            deframer.append(piece)
            while let message = try deframer.next() { messages.append(message) }
        }
        try deframer.finish()
        #expect(deframer.bufferedBytes == 0)
        var feeder = MessageDeframer(maxMessageBytes: maxMessageBytes)
        var fed: [[UInt8]] = []
        for piece in pieces {
            let failure = piece.withUnsafeBytes { bytes -> DeframeError? in
                do throws(DeframeError) {
                    try feeder.feed(bytes) { message throws(DeframeError) in fed.append(message) }
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
        }
        try feeder.finish()
        #expect(fed == messages)
        return messages
    }

    private let messages: [[UInt8]] = [[1, 2, 3], [], [0, 0, 0, 0, 0], Array(0...255), [0xFF]]
    private var stream: [UInt8] { messages.flatMap(MessageFraming.frame) }

    @Test func wholeStream() throws {
        #expect(try deframe([stream]) == messages)
    }

    @Test func byteByByte() throws {
        #expect(try deframe(stream.map { [$0] }) == messages)
    }

    @Test("split at every offset")
    func everySplit() throws {
        let stream = stream
        for split in 0...stream.count {
            #expect(try deframe([Array(stream[..<split]), Array(stream[split...])]) == messages, "split at \(split)")
        }
    }

    @Test("split at every pair of offsets")
    func everyPairOfSplits() throws {
        let messages: [[UInt8]] = [[1, 2, 3], [], [4, 5], Array(repeating: 9, count: 12)]
        let stream = messages.flatMap(MessageFraming.frame)
        for first in 0...stream.count {
            for second in first...stream.count {
                let pieces = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                #expect(try deframe(pieces) == messages, "splits at \(first) and \(second)")
            }
        }
    }

    @Test("random pieces, seeded")
    func randomPieces() throws {
        let seed: UInt64 = 0xDEF
        var random = SeededRandom(seed: seed)
        let messages = (0..<200).map { _ in random.bytes(count: Int(random.next() % 300)) }
        let stream = messages.flatMap(MessageFraming.frame)
        var pieces: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let length = min(Int(random.next() % 700), stream.count - offset)
            pieces.append(Array(stream[offset..<(offset + length)]))
            offset += length
        }
        #expect(try deframe(pieces) == messages, "seed \(seed)")
    }

    @Test func zeroLengthMessages() throws {
        #expect(try deframe([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]) == [[], []])
        var deframer = MessageDeframer(maxMessageBytes: 0)
        deframer.append([0, 0, 0, 0])
        #expect(try deframer.next() == nil)
        deframer.append([0])
        #expect(try deframer.next() == [])
        #expect(try deframer.next() == nil)
        try deframer.finish()
    }

    @Test func messageAtTheLimitIsAccepted() throws {
        #expect(try deframe([MessageFraming.frame([1, 2, 3, 4])], maxMessageBytes: 4) == [[1, 2, 3, 4]])
    }

    @Test("an oversized message is refused from its prefix alone")
    func oversizedFromPrefix() {
        var deframer = MessageDeframer(maxMessageBytes: 4)
        deframer.append([0, 0, 0, 0])
        #expect(throws: Never.self) { try deframer.next() }
        deframer.append([5])  // prefix complete, no body yet
        #expect(throws: DeframeError.messageTooLarge(length: 5, limit: 4)) { try deframer.next() }
        #expect(DeframeError.messageTooLarge(length: 5, limit: 4).statusCode == .resourceExhausted)

        var huge = MessageDeframer(maxMessageBytes: 1 << 20)
        huge.append([0, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: DeframeError.messageTooLarge(length: Int(UInt32.max), limit: 1 << 20)) { try huge.next() }
    }

    @Test func compressedFlag() {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        deframer.append([1, 0, 0, 0, 1, 42])
        #expect(throws: DeframeError.compressedMessage) { try deframer.next() }
        #expect(DeframeError.compressedMessage.statusCode == .internal)

        var invalid = MessageDeframer(maxMessageBytes: 100)
        invalid.append([2, 0, 0, 0, 0])
        #expect(throws: DeframeError.invalidFlag(2)) { try invalid.next() }
    }

    @Test func compressedFlagAfterAGoodMessage() throws {
        var deframer = MessageDeframer(maxMessageBytes: 100)
        deframer.append(MessageFraming.frame([7]) + [1, 0, 0, 0, 0])
        #expect(try deframer.next() == [7])
        #expect(throws: DeframeError.compressedMessage) { try deframer.next() }
    }

    @Test("a stream that ends inside a message is truncated")
    func truncated() throws {
        let frame = MessageFraming.frame([1, 2, 3])
        for cut in 1..<frame.count {
            var deframer = MessageDeframer(maxMessageBytes: 100)
            deframer.append(Array(frame[..<cut]))
            #expect(try deframer.next() == nil)
            #expect(throws: DeframeError.truncated(buffered: cut)) { try deframer.finish() }
        }
        #expect(DeframeError.truncated(buffered: 1).statusCode == .internal)
    }

    @Test("after an error the deframer stays failed")
    func staysFailed() {
        var deframer = MessageDeframer(maxMessageBytes: 2)
        deframer.append([0, 0, 0, 0, 3, 1, 2, 3])
        let error = DeframeError.messageTooLarge(length: 3, limit: 2)
        #expect(throws: error) { try deframer.next() }
        #expect(throws: error) { try deframer.next() }
        deframer.append(MessageFraming.frame([1]))
        #expect(throws: error) { try deframer.next() }
        #expect(throws: error) { try deframer.finish() }
    }

    @Test("a long stream is compacted without losing bytes")
    func longStream() throws {
        let messages = (0..<2_000).map { [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: $0 % 50) }
        let stream = messages.flatMap(MessageFraming.frame)
        var pieces: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let length = min(97, stream.count - offset)
            pieces.append(Array(stream[offset..<(offset + length)]))
            offset += length
        }
        #expect(try deframe(pieces) == messages)
    }

    @Test func errorDescriptions() {
        #expect(DeframeError.messageTooLarge(length: 5, limit: 4).description
            == "message of 5 bytes exceeds the maximum of 4 bytes")
        #expect(DeframeError.truncated(buffered: 3).description.contains("3 bytes"))
    }
}

@Suite("MessageFraming")
struct MessageFramingTests {
    @Test func prefixLayout() {
        #expect(MessageFraming.frame([]) == [0, 0, 0, 0, 0])
        #expect(MessageFraming.frame([9, 8]) == [0, 0, 0, 0, 2, 9, 8])
        let big = [UInt8](repeating: 1, count: 0x01_02_03)
        #expect(Array(MessageFraming.frame(big).prefix(5)) == [0, 0, 0x01, 0x02, 0x03])
    }

    @Test func writePrefixBigEndian() {
        var bytes = [UInt8](repeating: 0xAA, count: 6)
        bytes.withUnsafeMutableBytes { MessageFraming.writePrefix(length: 0x0102_0304, into: $0) }
        #expect(bytes == [0, 1, 2, 3, 4, 0xAA])
    }

    @Test("frame then deframe returns the messages", arguments: [0, 1, 5, 1_000, 70_000])
    func roundTrip(size: Int) throws {
        var random = SeededRandom(seed: UInt64(size))
        let message = random.bytes(count: size)
        var deframer = MessageDeframer(maxMessageBytes: 1 << 20)
        deframer.append(MessageFraming.frame(message))
        #expect(try deframer.next() == message)
        #expect(try deframer.next() == nil)
        try deframer.finish()
    }
}

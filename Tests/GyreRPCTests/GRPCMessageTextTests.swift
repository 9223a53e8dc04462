import GyreRPC
import GyreTestKit
import Testing

@Suite("GRPCMessageText")
struct GRPCMessageTextTests {
    @Test func printableASCIIIsUnchanged() {
        let text = "key is empty: keys must be 1 byte or longer ~!@#$^&*()"
        #expect(GRPCMessageText.encode(text) == text)
        #expect(GRPCMessageText.decode(text) == text)
    }

    @Test func escapes() {
        #expect(GRPCMessageText.encode("100%") == "100%25")
        #expect(GRPCMessageText.encode("a\nb\tc") == "a%0Ab%09c")
        #expect(GRPCMessageText.encode("é") == "%C3%A9")
        #expect(GRPCMessageText.encode("\u{7F}") == "%7F")
        #expect(GRPCMessageText.decode("%c3%a9") == "é")
    }

    @Test("malformed escapes are left as they are", arguments: [
        ("%", "%"), ("%4", "%4"), ("%G1", "%G1"), ("a%", "a%"), ("%%41", "%A"), ("%4%41", "%4A"), ("%41%", "A%"),
    ])
    func malformedEscapes(text: String, decoded: String) {
        #expect(GRPCMessageText.decode(text) == decoded)
    }

    @Test("round trip", arguments: [
        "", "plain", "100% sure", "%%%", "%41", "日本語のエラー", "🌀 emoji", "line\nbreak\r\n", "\u{0}nul", "e\u{301}",
    ])
    func roundTrip(text: String) {
        let encoded = GRPCMessageText.encode(text)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(GRPCMessageText.decode(encoded) == text)
    }

    @Test("round trip of random unicode, seeded")
    func randomRoundTrip() {
        let seed: UInt64 = 0x3E55
        var random = SeededRandom(seed: seed)
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int(random.next() % 20) {
                let value = UInt32(random.next() % 0x11_0000)
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            let text = String(scalars)
            #expect(GRPCMessageText.decode(GRPCMessageText.encode(text)) == text, "seed \(seed)")
        }
    }
}

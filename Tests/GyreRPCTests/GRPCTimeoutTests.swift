import GyreRPC
import GyreTestKit
import Testing

@Suite("GRPCTimeout")
struct GRPCTimeoutTests {
    @Test("every unit", arguments: [
        ("1n", 1 as UInt64), ("250u", 250_000), ("100m", 100_000_000), ("5S", 5_000_000_000),
        ("2M", 120_000_000_000), ("1H", 3_600_000_000_000), ("0m", 0), ("00000007S", 7_000_000_000),
        ("99999999n", 99_999_999),
    ])
    func parse(text: String, nanoseconds: UInt64) {
        #expect(GRPCTimeout.parse(text) == nanoseconds)
    }

    @Test("malformed values are rejected", arguments: [
        "", "S", "1", "123456789S", "12x", "1s", "1h", "-1S", "+1S", " 1S", "1S ", "1.5S", "１S", "1é", "1 S",
    ])
    func rejected(text: String) {
        #expect(GRPCTimeout.parse(text) == nil)
    }

    @Test func eightDigitsAreTheLimit() {
        #expect(GRPCTimeout.parse("12345678m") == 12_345_678_000_000)
        #expect(GRPCTimeout.parse("123456789m") == nil)
    }

    @Test func hugeValuesSaturate() {
        #expect(GRPCTimeout.parse("99999999H") == UInt64.max)
    }

    @Test("encode picks the finest unit that fits in 8 digits", arguments: [
        (0 as UInt64, "0n"), (1, "1n"), (99_999_999, "99999999n"), (100_000_000, "100000u"),
        (100_000_001, "100001u"), (5_000_000_000, "5000000u"), (100_000_000_000, "100000m"),
        (UInt64.max, "5124096H"),
    ])
    func encode(nanoseconds: UInt64, text: String) {
        #expect(GRPCTimeout.encode(nanoseconds: nanoseconds) == text)
    }

    @Test("encode rounds up: a deadline is never shortened")
    func roundsUp() {
        #expect(GRPCTimeout.encode(nanoseconds: 1_001) == "1001n")
        #expect(GRPCTimeout.encode(nanoseconds: 123_456_789) == "123457u")
        #expect(GRPCTimeout.encode(nanoseconds: 123_456_789_001) == "123457m")
        #expect(GRPCTimeout.encode(nanoseconds: 99_999_999_000_000_001) == "1666667M")
    }

    @Test("parse(encode(n)) is n rounded up to the unit chosen, seeded")
    func roundTrip() {
        let seed: UInt64 = 0x71
        var random = SeededRandom(seed: seed)
        for _ in 0..<10_000 {
            let nanoseconds = random.next() >> (random.next() % 64)
            let text = GRPCTimeout.encode(nanoseconds: nanoseconds)
            guard let parsed = GRPCTimeout.parse(text) else {
                Issue.record("encode(\(nanoseconds)) = \(text) does not parse; seed \(seed)")
                continue
            }
            #expect(parsed >= nanoseconds, "seed \(seed), \(nanoseconds) → \(text)")
            let unit: UInt64 = switch text.last! {
            case "n": 1
            case "u": 1_000
            case "m": 1_000_000
            case "S": 1_000_000_000
            case "M": 60_000_000_000
            default: 3_600_000_000_000
            }
            #expect(parsed == UInt64.max || parsed - nanoseconds < unit, "seed \(seed), \(nanoseconds) → \(text)")
        }
    }
}

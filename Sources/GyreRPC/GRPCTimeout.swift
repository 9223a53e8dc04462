/// The `grpc-timeout` header: up to 8 ASCII digits and a unit (H, M, S, m, u, n).
///
/// Contract: ``parse(_:)`` accepts exactly the gRPC grammar and returns the timeout in
/// nanoseconds, saturating at `UInt64.max`; ``encode(nanoseconds:)`` produces the shortest
/// unit that keeps the value within 8 digits, rounding up so a deadline is never shortened.
public enum GRPCTimeout {
    /// Nanoseconds for a header value, or nil when it does not follow the grammar.
    public static func parse(_ text: String) -> UInt64? {
        parse(utf8: text.utf8)
    }

    /// Nanoseconds for a header value given as UTF-8 bytes, or nil when it breaks the grammar.
    public static func parse<Bytes: Collection>(utf8: Bytes) -> UInt64? where Bytes.Element == UInt8 {
        let count = utf8.count
        guard count >= 2, count <= 9 else { return nil }
        var amount: UInt64 = 0
        var unit: UInt8 = 0
        for (position, digit) in utf8.enumerated() {
            if position == count - 1 {
                unit = digit
                break
            }
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            amount = amount * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        let scale: UInt64
        switch unit {
        case UInt8(ascii: "n"): scale = 1
        case UInt8(ascii: "u"): scale = 1_000
        case UInt8(ascii: "m"): scale = 1_000_000
        case UInt8(ascii: "S"): scale = 1_000_000_000
        case UInt8(ascii: "M"): scale = 60_000_000_000
        case UInt8(ascii: "H"): scale = 3_600_000_000_000
        default: return nil
        }
        let (product, overflow) = amount.multipliedReportingOverflow(by: scale)
        return overflow ? UInt64.max : product
    }

    /// The header value for a timeout of `nanoseconds`.
    public static func encode(nanoseconds: UInt64) -> String {
        let units: [(UInt64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
            (60_000_000_000, "M"), (3_600_000_000_000, "H"),
        ]
        for (scale, unit) in units {
            let amount = nanoseconds / scale + (nanoseconds % scale == 0 ? 0 : 1)
            if amount <= 99_999_999 { return "\(amount)\(unit)" }
        }
        return "99999999H"
    }
}

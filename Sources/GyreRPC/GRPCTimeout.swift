/// The `grpc-timeout` header: up to 8 ASCII digits and a unit (H, M, S, m, u, n).
///
/// Contract: ``parse(_:)`` accepts exactly the gRPC grammar and returns the timeout in
/// nanoseconds, saturating at `UInt64.max`; ``encode(nanoseconds:)`` produces the shortest
/// unit that keeps the value within 8 digits, rounding up so a deadline is never shortened.
public enum GRPCTimeout {
    /// Nanoseconds for a header value, or nil when it does not follow the grammar.
    public static func parse(_ text: String) -> UInt64? {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.popLast() else { return nil }
        var amount: UInt64 = 0
        for digit in utf8 {
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

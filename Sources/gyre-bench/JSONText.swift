import GyreModel

/// A tiny JSON writer for the machine-readable summary lines (keys keep their order).
enum JSONValue {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double?, decimals: Int)
    case bool(Bool)
    case object([(String, JSONValue)])
    case null

    var text: String {
        switch self {
        case let .string(value): return JSONString.quoted(value)
        case let .int(value): return String(value)
        case let .uint(value): return String(value)
        case let .double(value, decimals):
            guard let value, value.isFinite else { return "null" }
            return JSONValue.fixed(value, decimals: decimals)
        case let .bool(value): return value ? "true" : "false"
        case let .object(fields):
            return "{" + fields.map { "\(JSONString.quoted($0.0)):\($0.1.text)" }.joined(separator: ",") + "}"
        case .null: return "null"
        }
    }

    static func counts(_ counts: [String: UInt64]) -> JSONValue {
        .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .uint($0.value)) })
    }


    /// `value` with `decimals` digits after the point, without Foundation's formatter.
    static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let whole = UInt64(scaled)
        let divisor = UInt64(scale)
        let sign = value < 0 && whole > 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        let fraction = String(whole % divisor)
        return sign + String(whole / divisor) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}

import GyreModel

/// A JSON value written by hand, keys in the order given (stable output for scripts and tests).
indirect enum JSON {
    case string(String)
    case int(Int)
    case uint(UInt64)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    var text: String {
        switch self {
        case let .string(value): JSONString.quoted(value)
        case let .int(value): String(value)
        case let .uint(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case .null: "null"
        case let .array(values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case let .object(fields): "{" + fields.map { JSONString.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }
}

import Foundation

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
        case let .string(value): Self.quote(value)
        case let .int(value): String(value)
        case let .uint(value): String(value)
        case let .bool(value): value ? "true" : "false"
        case .null: "null"
        case let .array(values): "[" + values.map(\.text).joined(separator: ", ") + "]"
        case let .object(fields): "{" + fields.map { Self.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

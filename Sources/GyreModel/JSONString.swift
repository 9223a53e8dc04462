/// JSON string literals, written by hand where a whole encoder is not wanted (log lines, the
/// command-line tools' and the benchmark's output).
///
/// Contract: ``quoted(_:)`` returns a valid JSON string literal (RFC 8259) for any text: `"` and
/// `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`; everything else as is.
public enum JSONString {
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

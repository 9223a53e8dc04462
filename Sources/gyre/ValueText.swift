import ArgumentParser
import Foundation
import GyreClient

/// How values, keys and contexts appear on a terminal and in JSON.
///
/// Contract: a value that is UTF-8 text without control characters (tabs and newlines allowed)
/// prints as it is; any other value prints as `base64:` plus its base64. JSON always carries the
/// base64 and, for text, the text too. A context is base64, to be passed back with `--context`.
enum ValueText {
    static func human(_ bytes: [UInt8]) -> String {
        if let text = text(bytes) { return text }
        return "base64:" + Data(bytes).base64EncodedString()
    }

    static func text(_ bytes: [UInt8]) -> String? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let printable = text.unicodeScalars.allSatisfy { $0 == "\n" || $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
        return printable ? text : nil
    }

    static func json(_ bytes: [UInt8]) -> JSON {
        .object([("text", text(bytes).map(JSON.string) ?? .null), ("base64", .string(Data(bytes).base64EncodedString()))])
    }

    static func context(_ context: GyreContext) -> String { Data(context.bytes).base64EncodedString() }

    /// A `--context` argument: base64 as printed by get or put ("" for none).
    static func parseContext(_ text: String?) throws -> GyreContext {
        guard let text, !text.isEmpty else { return .none }
        guard let data = Data(base64Encoded: text) else {
            throw ValidationError("--context is not base64: pass the context a get or put printed")
        }
        return GyreContext(bytes: Array(data))
    }
}

import Foundation
import TOMLKit

/// `gyre-node --config FILE`: a TOML file of options, turned into command-line arguments.
///
/// Contract: the file is one flat table; each key is a long option's name without `--`
/// (`data-dir = "/var/lib/gyre"`). Strings, integers and floats become `--key value`; an array
/// of strings becomes one comma-separated value (`peers = ["a:7200", "b:7200"]`); `true` becomes
/// the flag `--key`, `false` leaves it out. `config` itself, tables and dates are refused, as is
/// any key that is not an option (reported by the caller). The arguments are placed before the
/// command line's, and for an option given twice the last one wins, so the command line
/// overrides the file.
enum ConfigFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The value of `--config PATH` or `--config=PATH`, if given.
    static func path(in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--config", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--config=") { return String(argument.dropFirst("--config=".count)) }
        }
        return nil
    }

    static func arguments(path: String) throws -> [String] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read the config file \(path): \(error.localizedDescription)")
        }
        return try arguments(toml: text, path: path)
    }

    static func arguments(toml text: String, path: String) throws -> [String] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Failure(description: "\(path):\(error.source.begin.line): \(error.description)")
        }
        var arguments: [String] = []
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            let option = "--\(key)"
            guard key != "config" else { throw Failure(description: "\(path): 'config' cannot name another file") }
            switch value.type {
            case .string: arguments += [option, value.string!]
            case .int: arguments += [option, String(value.int!)]
            case .double: arguments += [option, String(value.double!)]
            case .bool: if value.bool! { arguments.append(option) }
            case .array:
                let items = value.array!.map { $0.string }
                guard items.allSatisfy({ $0 != nil }) else {
                    throw Failure(description: "\(path): \(key): an array must hold strings only")
                }
                arguments += [option, items.compactMap { $0 }.joined(separator: ",")]
            default:
                throw Failure(description: "\(path): \(key): a \(value.type) is not an option value (use a string, number, boolean or array of strings at the top level)")
            }
        }
        return arguments
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("gyre-node: \(message)\n".utf8))
        exit(64)
    }
}

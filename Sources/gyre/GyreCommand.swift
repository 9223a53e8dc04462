import ArgumentParser
import Foundation
import GyreClient

/// `gyre`: the command-line client of a Gyre cluster, on the GyreClient SDK.
///
/// Exit codes (also in `gyre --help`): 0 done; 2 bad input (usage, unreadable value file, a
/// request the node refuses as invalid, too many siblings); 3 not found (get of a missing or
/// deleted key); 4 unavailable (no node reached, no quorum, deadline passed, overloaded; a write
/// was not applied); 5 possibly applied (a write may or may not have taken effect: read the key);
/// 1 anything else.
@main
struct GyreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gyre",
        abstract: "Read and write a Gyre cluster, and look at its members, ring and counters.",
        discussion: """
            Seeds come from --seeds or GYRE_SEEDS (comma-separated client addresses HOST:PORT; \
            default 127.0.0.1:7100). Requests go straight to a node of the key's preference list.
            Exit codes: 0 done, 2 bad input, 3 not found, 4 unavailable (a write was not \
            applied), 5 possibly applied (read the key to know), 1 other errors.
            """,
        version: GyreClient.version,
        subcommands: [GetCommand.self, PutCommand.self, DeleteCommand.self, MembersCommand.self, RingCommand.self,
                      StatsCommand.self])

    /// Parses and runs, with the exit codes above (argument errors are bad input, 2).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("gyre: \(fullMessage(for: error))\n".utf8))
            Foundation.exit(ExitCodes.badInput)
        }
    }
}

/// The exit codes `gyre` documents.
enum ExitCodes {
    static let other: Int32 = 1
    static let badInput: Int32 = 2
    static let notFound: Int32 = 3
    static let unavailable: Int32 = 4
    static let possiblyApplied: Int32 = 5

    static func code(for error: GyreClientError) -> Int32 {
        switch error {
        case .invalidArgument, .tooManySiblings, .configuration: badInput
        case .unavailable, .deadlineExceeded, .overloaded, .noRing: unavailable
        case .possiblyApplied: possiblyApplied
        case .cancelled, .server: other
        }
    }
}

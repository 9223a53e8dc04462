import ArgumentParser
import Foundation

/// The entry point: `gyre-node backup …` runs ``BackupCommand``; anything else runs the node
/// (``GyreNodeCommand``), with the options of `--config FILE` (``ConfigFile``) placed before
/// the command line's, so the command line overrides the file.
@main
enum GyreNodeMain {
    static func main() async {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "backup" {
            await BackupCommand.main(Array(arguments.dropFirst()))
            return
        }
        if let path = ConfigFile.path(in: arguments) {
            do {
                let fromFile = try ConfigFile.arguments(path: path)
                // Checked alone first, so a bad key is reported as the file's, not the command line's.
                do {
                    _ = try GyreNodeCommand.parse(fromFile)
                } catch {
                    ConfigFile.fail("\(path): \(GyreNodeCommand.message(for: error))")
                }
                arguments = fromFile + arguments
            } catch {
                ConfigFile.fail("\(error)")
            }
        }
        await GyreNodeCommand.main(arguments)
    }
}

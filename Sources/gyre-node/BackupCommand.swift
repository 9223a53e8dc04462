import ArgumentParser
import Foundation
import GyreHTTP2
import GyreModel

/// `gyre-node backup --admin HOST:PORT --to DEST`: asks a running node for an online backup of
/// its store (a RocksDB checkpoint, written by the node into DEST on its own host).
///
/// Contract: exit 0 and prints the backup's path once it is complete; exit 1 with the node's
/// reason when it refused or failed (DEST exists, another backup runs, the memory engine);
/// exit 3 when the node cannot be reached.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gyre-node backup",
        abstract: "Take an online backup of a running node's store.",
        discussion: """
            The node writes a consistent copy of its store (a RocksDB checkpoint: hard links \
            where it can, copies otherwise) into --to, a new directory on the node's own host, \
            while it keeps serving. Every write the node acknowledged before the backup began is \
            in it. The copy opens as a store (gyre-node --data-dir); restoring a cluster from \
            backups needs new node identities and a join, which this version cannot do yet.
            """,
        version: GyreVersion.current)

    @Option(help: "The node's admin listener, HOST:PORT (its --admin-listen).")
    var admin: String = "127.0.0.1:7300"

    @Option(help: "The new directory to write the backup into, an absolute path on the node's host.")
    var to: String

    @Option(help: "How long to wait for the node to finish, in seconds.")
    var timeoutSeconds: Int = 3600

    func run() throws {
        guard let (host, port) = HostPort.parse(admin) else {
            throw ValidationError("--admin must be HOST:PORT, got \(admin)")
        }
        let target = to.hasPrefix("/") ? to : FileManager.default.currentDirectoryPath + "/" + to
        let escaped = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-._~"))) ?? target
        let answer: (status: Int, body: String)
        do {
            answer = try AdminHTTPCall.send(method: "POST", host: host, port: port, path: "/admin/backup?to=\(escaped)",
                                            timeoutSeconds: timeoutSeconds)
        } catch {
            FileHandle.standardError.write(Data("gyre-node backup: \(error)\n".utf8))
            throw ExitCode(3)
        }
        guard answer.status == 200 else {
            FileHandle.standardError.write(Data("gyre-node backup: the node refused (HTTP \(answer.status)): \(answer.body)".utf8))
            throw ExitCode(1)
        }
        print(answer.body)
    }
}

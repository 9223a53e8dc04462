import Foundation
import Logging
import NIOHTTP1

/// The admin listener's endpoints for one node.
///
/// - `GET /metrics`: Prometheus text format (0.0.4), from the node's own registry.
/// - `GET /`: the admin page (``AdminPage``), which polls `GET /admin/status` (``AdminStatus``).
/// - `POST /admin/backup?to=DIR`: an online checkpoint of the store into `DIR` on the node's host
///   (``NodeBackup``); 200 with `{"path", "milliseconds"}`, 400 for a bad target, 409 while
///   another backup runs, 500 when the engine cannot (`--engine memory`) or the copy failed.
///
/// Contract: any other path is 404, any other method on these paths 405; no endpoint changes
/// data (a backup only reads).
struct NodeAdmin: Sendable {
    let node: Node
    let backup: NodeBackup

    func respond(_ request: AdminRequest, reply: @escaping @Sendable (AdminResponse) -> Void) {
        switch (request.path, request.method) {
        case ("/metrics", .GET):
            reply(AdminResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: node.prometheusText()))
        case ("/", .GET), ("/admin", .GET):
            reply(AdminResponse(status: .ok, contentType: "text/html; charset=utf-8", body: AdminPage.html))
        case ("/admin/status", .GET):
            AdminStatus.gather(node: node) { reply(.json($0.json())) }
        case ("/admin/backup", .POST):
            guard let target = request.query["to"], !target.isEmpty else {
                return reply(.text(.badRequest, "name the backup directory: POST /admin/backup?to=/absolute/new/directory"))
            }
            node.logger.notice("backup started", metadata: ["gyre.backup": "\(target)"])
            backup.take(to: target) { [logger = node.logger] outcome in
                switch outcome {
                case let .taken(path, milliseconds):
                    logger.notice("backup taken", metadata: ["gyre.backup": "\(path)", "gyre.milliseconds": "\(milliseconds)"])
                    reply(.json(Self.encode(BackupTaken(path: path, milliseconds: milliseconds))))
                case let .refused(problem):
                    reply(.text(.badRequest, problem))
                case .busy:
                    reply(.text(.conflict, "another backup is running on this node"))
                case let .failed(problem):
                    logger.error("backup failed", metadata: ["gyre.backup": "\(target)", "gyre.error": "\(problem)"])
                    reply(.text(.internalServerError, problem))
                }
            }
        case ("/metrics", _), ("/", _), ("/admin", _), ("/admin/status", _), ("/admin/backup", _):
            reply(.text(.methodNotAllowed, "\(request.method) is not allowed on \(request.path)"))
        default:
            reply(.text(.notFound, "no such page: \(request.path) (try /, /metrics, /admin/status, POST /admin/backup?to=DIR)"))
        }
    }

    /// The answer to a backup that was taken.
    struct BackupTaken: Encodable {
        var path: String
        var milliseconds: UInt64
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    private static func encode(_ value: some Encodable) -> [UInt8] {
        (try? Array(Self.encoder.encode(value))) ?? Array("{}".utf8)
    }
}

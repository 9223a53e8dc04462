public import Logging
public import Foundation
import GyreModel
import Synchronization

/// gyre-node's log handler: one line per event on standard error, as text or as JSON.
///
/// - text: `2026-12-05T10:00:00.123Z info gyre.node: ring installed ring.epoch=3 ring.members=3`
/// - json: `{"time":"…","level":"info","label":"gyre.node","message":"ring installed","ring.epoch":"3",…}`
///
/// Contract: every line is complete and, in JSON, one object that parses. At info level and
/// above the same line (message and fields, so the same member or peer) is written at most once
/// a second; the next one written says how many were dropped (`log.dropped`).
/// Writes from several threads never interleave within a line.
public struct GyreLogHandler: LogHandler {
    /// How lines are written.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: Format
    private let sink: LogSink

    /// A handler for `label` writing to standard error (share one `sink` among a process's handlers).
    public init(label: String, level: Logger.Level, format: Format, sink: LogSink = .standardError) {
        self.label = label
        logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var fields = metadata
        if let explicit { fields.merge(explicit) { $1 } }
        var sorted = fields.sorted { $0.key < $1.key }
        if level >= .info {
            // A repeat is the same line: same message, same fields (so the same member or peer).
            let key = "\(label)|\(level)|\(message)|" + sorted.map { "\($0.key)=\($0.value)" }.joined(separator: "|")
            guard let dropped = sink.limiter.admit(key: key, now: DispatchTime.now().uptimeNanoseconds) else { return }
            if dropped > 0 {
                let entry = (key: "log.dropped", value: Logger.Metadata.Value.string("\(dropped)"))
                sorted.insert(entry, at: sorted.firstIndex { $0.key > entry.key } ?? sorted.endIndex)
            }
        }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)
            .timeZone(separator: .omitted).dateSeparator(.dash).timeSeparator(.colon).dateTimeSeparator(.standard))
        let line: String
        switch format {
        case .text:
            let rendered = sorted.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(level) \(label): \(message)\(rendered.isEmpty ? "" : " " + rendered)\n"
        case .json:
            var object = "{\"time\":\(JSONString.quoted(time)),\"level\":\(JSONString.quoted("\(level)")),"
                + "\"label\":\(JSONString.quoted(label)),\"message\":\(JSONString.quoted("\(message)"))"
            for (key, value) in sorted where !["time", "level", "label", "message"].contains(key) {
                object += ",\(JSONString.quoted(key)):\(JSONString.quoted("\(value)"))"
            }
            line = object + "}\n"
        }
        sink.write(line)
    }
}

/// Where a process's log lines go, with the repeat limiter they share.
///
/// Contract: thread-safe; each line is written with one `write(2)`-sized call under a lock.
public final class LogSink: Sendable {
    /// Standard error, shared by every handler of the process.
    public static let standardError = LogSink(handle: .standardError)

    let limiter = LogRepeatLimiter()
    private let handle: Mutex<FileHandle>

    public init(handle: FileHandle) {
        self.handle = Mutex(handle)
    }

    func write(_ line: String) {
        let data = Data(line.utf8)
        handle.withLock { $0.write(data) }
    }
}

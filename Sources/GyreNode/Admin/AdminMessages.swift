import GyreRPC
public import NIOHTTP1

/// One request to the admin listener, read whole (its body is capped by ``AdminServer``).
public struct AdminRequest: Sendable {
    public var method: HTTPMethod
    /// The path without its query (`/metrics`).
    public var path: String
    /// The query's parameters, percent-decoded (`?to=/backups/a` → `["to": "/backups/a"]`).
    public var query: [String: String]
    public var body: [UInt8]

    public init(method: HTTPMethod, uri: String, body: [UInt8] = []) {
        self.method = method
        self.body = body
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = parts.first.map(String.init) ?? "/"
        var query: [String: String] = [:]
        if parts.count > 1 {
            for pair in parts[1].split(separator: "&") {
                let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = field.first.flatMap({ Self.percentDecoded($0) }) else { continue }
                query[name] = field.count > 1 ? Self.percentDecoded(field[1]) ?? "" : ""
            }
        }
        self.query = query
    }

    /// `text` with `+` as space and `%XX` escapes decoded; nil when an escape is malformed or
    /// the bytes are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(GRPCMessageText.hexValue),
                      let low = iterator.next().flatMap(GRPCMessageText.hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The admin listener's answer to one request.
public struct AdminResponse: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]

    public init(status: HTTPResponseStatus = .ok, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// Plain text, one line ending in a newline.
    public static func text(_ status: HTTPResponseStatus, _ message: String) -> AdminResponse {
        AdminResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array((message + "\n").utf8))
    }

    /// A JSON document.
    public static func json(_ body: [UInt8], status: HTTPResponseStatus = .ok) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: body)
    }
}

/// What answers the admin listener's requests.
///
/// Contract: `reply` is called exactly once, from any thread.
public typealias AdminResponder = @Sendable (AdminRequest, _ reply: @escaping @Sendable (AdminResponse) -> Void) -> Void

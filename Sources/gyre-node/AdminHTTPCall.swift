import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One plain HTTP/1.1 request to a node's admin listener, over a blocking socket: enough for the
/// command-line tools, with no HTTP client library.
///
/// Contract: sends `METHOD path` with `Connection: close`, reads the answer to the end of the
/// stream (at most ``maxResponseBytes``) or until `timeoutSeconds` pass without data, and
/// returns its status and body; throws ``Failure`` with a message for an operator otherwise.
enum AdminHTTPCall {
    static let maxResponseBytes = 1 << 20

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func send(method: String, host: String, port: Int, path: String, timeoutSeconds: Int) throws -> (status: Int, body: String) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let first = found else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw Failure(description: "cannot connect to the admin listener at \(host):\(port): \(String(cString: strerror(errno)))")
        }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "the admin listener closed the connection") }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while response.count < maxResponseBytes {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else {
                throw Failure(description: errno == EAGAIN || errno == EWOULDBLOCK
                    ? "no answer from \(host):\(port) within \(timeoutSeconds) s"
                    : "reading the answer failed: \(String(cString: strerror(errno)))")
            }
            response += buffer[..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n"),
              let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(description: "\(host):\(port) did not answer HTTP")
        }
        return (status, String(text[headEnd.upperBound...]))
    }
}

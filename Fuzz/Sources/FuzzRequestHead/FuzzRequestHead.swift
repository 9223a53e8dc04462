import CFuzzDriver
import FuzzSupport
import GyreRPC

// Fuzz target: GyreRPC's `RequestHeadBuilder`. The input is a sequence of header fields, each
// `len(name) name len(value) value` with one-byte lengths (the last may be cut short), added in
// order, then `finish()`. A head it accepts must satisfy the contract: a POST to a path that
// starts with "/", the path's table index consistent with the path, and no reserved field
// passed on as metadata.

private let paths = PathTable(["/gyre.v1.KV/Get", "/gyre.v1.KV/Put", "/gyre.v1.KV/Delete", "/fuzz.Test/Echo"])

/// Fields the builder consumes itself; they must never reach the metadata.
private let reserved: Set<String> = [
    ":path", ":method", ":scheme", ":authority", "te", "host", "content-type", "grpc-timeout",
    "grpc-encoding", "content-length", "accept-encoding", "grpc-accept-encoding", "user-agent",
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestHead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data: data, size: size)
    var builder = RequestHeadBuilder(paths: paths)
    while input.remaining > 0 {
        let name = input.take(Int(input.byte()))
        let value = input.take(Int(input.byte()))
        name.withUnsafeBytes { name in
            value.withUnsafeBytes { value in builder.add(name: name, value: value) }
        }
    }
    switch builder.finish() {
    case let .success(head):
        FuzzCheck.require(head.path.first == "/", "accepted path \(head.path)")
        if let index = head.pathIndex {
            FuzzCheck.require(paths.strings[index] == head.path, "index \(index) for path \(head.path)")
        } else {
            FuzzCheck.require(!paths.strings.contains(head.path), "known path \(head.path) without its index")
        }
        for entry in head.metadata {
            FuzzCheck.require(!reserved.contains(entry.name) && !entry.name.hasPrefix(":"),
                              "reserved field \(entry.name) passed on as metadata")
        }
    case let .failure(error):
        FuzzCheck.require(error.code != .ok, "refused with OK: \(error)")
    }
    return 0
}

@main
enum FuzzRequestHeadMain {
    static func main() { gyre_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzRequestHead) }
}

import CFuzzDriver
import FuzzSupport

// Fuzz target: an nghttp2 server session (GyreHTTP2's `GRPCServerConnection`) pumped in memory.
// The input is a `SessionScript`: the bytes a client sends, the chunk sizes they arrive in and
// what the server does meanwhile (see FuzzSupport). The server routes to an echo method, one
// answered asynchronously and one that fails; output is drained after each chunk and deadlines
// expire at the end. After the transport closes, no stream and no in-flight slot may be left.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerSession(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzServer().run(SessionScript(parsing: input))
    return 0
}

@main
enum FuzzServerSessionMain {
    static func main() { gyre_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzServerSession) }
}

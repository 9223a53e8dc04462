import CFuzzDriver
import FuzzSupport
import GyreRPC

// Fuzz target: GyreRPC's `MessageDeframer`. The first byte picks a split point; the rest is a
// gRPC message stream fed in two pieces through `feed`, then `finish()`. The same stream
// appended whole and read with `next()` must give the same messages and the same error (the
// deframer's contract: any split, same result).

/// Largest message accepted: small, so the fuzzer reaches the refusal.
private let limit = 1024

/// The messages read and the error that ended the stream (nil when it ended cleanly).
private struct Outcome: Equatable {
    var messages: [[UInt8]] = []
    var error: DeframeError?
}

private func deframeInTwo(_ stream: [UInt8], splitAt split: Int) -> Outcome {
    var deframer = MessageDeframer(maxMessageBytes: limit)
    var outcome = Outcome()
    do {
        for part in [stream[..<split], stream[split...]] {
            // `withUnsafeBytes` rethrows untyped errors; only DeframeError can come out.
            try Array(part).withUnsafeBytes { bytes in
                try deframer.feed(bytes) { outcome.messages.append($0) }
            }
        }
        try deframer.finish()
    } catch let error as DeframeError {
        outcome.error = error
    } catch {
        FuzzCheck.require(false, "unexpected error \(error)")
    }
    return outcome
}

private func deframeWhole(_ stream: [UInt8]) -> Outcome {
    var deframer = MessageDeframer(maxMessageBytes: limit)
    var outcome = Outcome()
    deframer.append(stream)
    do throws(DeframeError) {
        while let message = try deframer.next() { outcome.messages.append(message) }
        try deframer.finish()
    } catch {
        outcome.error = error
    }
    return outcome
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeframer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data: data, size: size)
    let splitByte = input.byte()
    let stream = input.rest()
    let split = Int(splitByte) % (stream.count + 1)
    let pieces = deframeInTwo(stream, splitAt: split)
    let whole = deframeWhole(stream)
    FuzzCheck.require(pieces == whole, "split at \(split) gave \(pieces), whole gave \(whole)")
    for message in pieces.messages {
        FuzzCheck.require(message.count <= limit, "a \(message.count)-byte message passed the \(limit)-byte limit")
    }
    return 0
}

@main
enum FuzzDeframerMain {
    static func main() { gyre_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzDeframer) }
}

import CFuzzDriver
import FuzzSupport
import GyreModel

// Fuzz target: GyreModel's causal decoders. The input is decoded as a `VersionSet` (format 0x21,
// what replicas store and exchange) and as a `VersionVector` (format 0x11, the client's
// context). Both decoders claim to be canonical: whatever they accept re-encodes to exactly the
// input. A decoded value must also hold its type's invariants and survive the operations a
// replica or coordinator applies to one received from a peer or a client.

private let coordinator = NodeID(high: 0x0123_4567_89AB_CDEF, low: 0x0FED_CBA9_8765_4321)

private func checkSet(_ bytes: [UInt8]) {
    guard let set = try? VersionSet(decoding: bytes) else { return }
    FuzzCheck.require(set.encode() == bytes, "version set: re-encoding differs from the input")
    FuzzCheck.require(set.byteSize == bytes.count, "version set: byteSize \(set.byteSize) for \(bytes.count) bytes")
    FuzzCheck.require(VersionSet(entries: set.entries, anonymousValues: set.anonymousValues) == set,
                      "version set: decoded parts break the invariants")
    FuzzCheck.require(set.compare(set) == .equal, "version set: not equal to itself")
    let context = set.context
    FuzzCheck.require((try? VersionVector(decoding: context.encode())) == context, "version set: its context does not round-trip")
    // What a replica and a coordinator do with a set they received.
    let merged = set.synced(with: set)
    FuzzCheck.require(merged.compare(set) == .equal, "version set: sync with itself changed the history")
    let written = set.updated(context: context, value: .value([1]), actor: coordinator)
    FuzzCheck.require(written.byteSize == written.encode().count, "version set: byteSize of an update")
    _ = written.synced(with: set)
}

private func checkVector(_ bytes: [UInt8]) {
    guard let vector = try? VersionVector(decoding: bytes) else { return }
    FuzzCheck.require(vector.encode() == bytes, "version vector: re-encoding differs from the input")
    FuzzCheck.require(vector.compare(vector) == .equal, "version vector: not equal to itself")
    FuzzCheck.require(vector.merged(with: vector) == vector, "version vector: merge with itself changed it")
    let next = vector.incremented(for: vector.entries.first?.actor ?? coordinator)
    FuzzCheck.require(next.descends(vector), "version vector: an increment does not descend from it")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVersionSet(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data: data, size: size)
    let bytes = input.rest()
    checkSet(bytes)
    checkVector(bytes)
    return 0
}

@main
enum FuzzVersionSetMain {
    static func main() { gyre_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, fuzzVersionSet) }
}

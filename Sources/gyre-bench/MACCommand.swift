import ArgumentParser
import Foundation
import GyreModel

/// `gyre-bench mac`: what sealing contexts costs, in this process (build with `-c release`).
struct MACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mac",
        abstract: "Measure HMAC-SHA256 and the context seal: nanoseconds per MAC, seal and open.",
        discussion: """
            Times --iterations of: an HMAC-SHA256 of --bytes bytes with the key's pad states \
            precomputed (HMACSHA256Key), a ContextSeal.seal of a version vector of --actors \
            actors for a 16-byte key, and a ContextSeal.open of the result. Prints one line each.
            """)

    @Option(help: "Bytes per HMAC message.")
    var bytes: Int = 100

    @Option(help: "Actors in the sealed vector (a context of a key written through N coordinators has N).")
    var actors: Int = 3

    @Option(help: "Repetitions per measurement.")
    var iterations: Int = 1_000_000

    mutating func validate() throws {
        guard bytes >= 0, actors >= 1, iterations >= 1 else {
            throw ValidationError("--bytes must be >= 0, --actors and --iterations >= 1")
        }
    }

    func run() throws {
        var random = SystemRandomNumberGenerator()
        let secret = ClusterSecret.random(using: &random)
        let key = HMACSHA256Key(secret.bytes)
        let message = (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var sink: UInt8 = 0
        report("HMAC-SHA256 of \(bytes) bytes", measure { sink ^= key.authenticationCode(for: message)[0] })

        let seal = ContextSeal(clusterID: ClusterID.random(using: &random), secret: secret)
        let vector = VersionVector((0..<actors).map { (NodeID.random(using: &random), UInt64(1_000 + $0)) })
        let storeKey = Key("user/0000000042")
        let sealed = seal.seal(vector, for: storeKey)
        report("ContextSeal.seal, \(actors) actors (\(sealed.bytes.count)-byte context)",
               measure { sink ^= seal.seal(vector, for: storeKey).bytes[1] })
        report("ContextSeal.open, \(actors) actors", measure { sink ^= UInt8(truncatingIfNeeded: (try? seal.open(sealed, for: storeKey))??.count ?? 0) })
        if sink == 0x5A { print("") }  // keeps the results alive
    }

    private func measure(_ body: () -> Void) -> Double {
        for _ in 0..<min(iterations, 10_000) { body() }  // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations)
    }

    private func report(_ what: String, _ nanoseconds: Double) {
        print("\(what): \(String(format: "%.0f", nanoseconds)) ns")
    }
}

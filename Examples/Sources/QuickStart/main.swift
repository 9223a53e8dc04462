// QuickStart: put, get, siblings and a read-modify-write counter with the GyreClient SDK.
//
//   swift run --package-path Examples QuickStart [HOST:PORT,...]    (default: $GYRE_SEEDS or 127.0.0.1:7100)
import Foundation
import GyreClient

let seeds = (CommandLine.arguments.dropFirst().first ?? ProcessInfo.processInfo.environment["GYRE_SEEDS"] ?? "127.0.0.1:7100")
    .split(separator: ",").map(String.init)

do {
    let client = try await GyreClient.connect(GyreClientConfiguration(seeds: seeds))
    if let ring = client.ring {
        print("ring epoch \(ring.epoch): \(ring.members.count) members, N=\(ring.replication)")
    }

    // Read, then write with the read's context: the write replaces exactly what was read.
    let before = try await client.get("greeting")
    let written = try await client.put("greeting", value: "hello", context: before.context)
    print("put: \(written.replicas) replicas acknowledged")
    let read = try await client.get("greeting")
    print("get: \(read.values.map { String(decoding: $0, as: UTF8.self) })")

    // Two writes without a context are concurrent: both are kept, as siblings.
    _ = try await client.put("colour", value: "red")
    _ = try await client.put("colour", value: "blue")
    let siblings = try await client.get("colour")
    print("siblings: \(siblings.values.map { String(decoding: $0, as: UTF8.self) })")
    // Resolve them: write one value with the context that covers both.
    _ = try await client.put("colour", value: "purple", context: siblings.context)

    // A counter that concurrent writers can all increment: one count per writer, merged by maximum.
    let me = ProcessInfo.processInfo.hostName + "-\(ProcessInfo.processInfo.processIdentifier)"
    func decode(_ bytes: [UInt8]) -> [String: Int] {
        (try? JSONDecoder().decode([String: Int].self, from: Data(bytes))) ?? [:]
    }
    func encode(_ counts: [String: Int]) -> [UInt8] {
        Array((try? JSONEncoder().encode(counts)) ?? Data())
    }
    let counted = try await client.readModifyWrite(Array("visits".utf8), merge: { siblings in
        encode(siblings.map(decode).reduce(into: [:]) { merged, counts in merged.merge(counts, uniquingKeysWith: max) })
    }, modify: { value in
        var counts = decode(value)
        counts[me, default: 0] += 1
        return encode(counts)
    })
    print("visits: \(decode(counted.values.first ?? []).values.reduce(0, +))")
    await client.close()
} catch let error as GyreClientError {
    print("gyre: \(error)")
    exit(1)
}

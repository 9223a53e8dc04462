import GyreClient
import Testing

/// The read-modify-write helper under contention: no increment is lost.
@Suite struct ReadModifyWriteTests {
    /// A grow-only counter: one count per writer, merged by maximum, encoded `writer=count` lines.
    struct Counter: Equatable {
        var counts: [String: Int] = [:]

        init(_ bytes: [UInt8]) {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: "=")
                if parts.count == 2, let count = Int(parts[1]) { counts[String(parts[0])] = count }
            }
        }

        static func merged(_ siblings: [[UInt8]]) -> Counter {
            var result = Counter([])
            for sibling in siblings {
                for (writer, count) in Counter(sibling).counts { result.counts[writer] = max(result.counts[writer] ?? 0, count) }
            }
            return result
        }

        var bytes: [UInt8] { Array(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n").utf8) }
        var sum: Int { counts.values.reduce(0, +) }
    }

    @Test func eightWritersOfTwoHundredIncrementsEachSumToExactly1600() async throws {
        let cluster = try await ClientCluster.start(3)
        let client = try await cluster.client()
        let key = Array("counter".utf8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let name = "w\(writer)"
                    for _ in 0..<200 {
                        _ = try await client.readModifyWrite(key, maxRounds: 16, merge: { Counter.merged($0).bytes }) { value in
                            var counter = Counter(value)
                            counter.counts[name, default: 0] += 1
                            return counter.bytes
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await client.get(key, options: GyreCallOptions(r: 3))
        let counter = Counter.merged(final.values)
        #expect(counter.sum == 1600)
        #expect(counter.counts.values.allSatisfy { $0 == 200 })
        await client.close()
        await cluster.stop()
    }
}

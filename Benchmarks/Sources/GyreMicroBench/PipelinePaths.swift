import GyreModel

/// A client Put and a client Get through the request pipeline of a 3-node in-memory cluster
/// (``InMemoryCluster``: N=3, R=W=2), each run until the cluster is idle again. The put writes
/// the same key each time with the context of the previous put, so it supersedes the one value
/// the key holds (no siblings pile up); the get reads a key holding one 100-byte value.
enum PipelinePaths {
    static let all: [HotPath] = [
        HotPath("client Put (3 nodes, W=2)", .pipeline) {
            let cluster = InMemoryCluster()
            var context = try cluster.put(PutRequest(key: Samples.key, value: Samples.value)).context
            let check = try cluster.put(PutRequest(key: Samples.key, value: Samples.value, context: context))
            guard check.values.count == 1, check.replicas >= 2 else { throw BenchError("put: \(check)") }
            context = check.context
            return Iteration {
                context = try! cluster.put(PutRequest(key: Samples.key, value: Samples.value, context: context)).context
            }
        },
        HotPath("client Get (3 nodes, R=2)", .pipeline) {
            let cluster = InMemoryCluster()
            _ = try cluster.put(PutRequest(key: Samples.key, value: Samples.value))
            let check = try cluster.get(GetRequest(key: Samples.key))
            guard check.values == [Samples.value], check.replicas >= 2 else { throw BenchError("get: \(check)") }
            return Iteration { consume(try! cluster.get(GetRequest(key: Samples.key))) }
        },
    ]
}

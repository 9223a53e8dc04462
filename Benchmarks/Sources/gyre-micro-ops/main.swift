// gyre-micro-ops: runs one hot path of the micro-benchmarks a given number of times, so that
// `valgrind --tool=callgrind` can count its instructions where the CPU's counters cannot be read
// (scripts/bench/micro-bench.sh runs it twice, at K and 2K iterations, and divides the
// difference by K: setup, warm-up and exit cancel out).
//
//   gyre-micro-ops list                            the hot paths' names, one a line
//   gyre-micro-ops run NAME ITERATIONS [WARMUP]    setup, WARMUP (default 100) iterations, then ITERATIONS
import GyreMicroBench

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fail(_ message: String, code: Int32) -> Never {
    var line = "gyre-micro-ops: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(code)
}

let arguments = CommandLine.arguments.dropFirst()
switch (arguments.first, arguments.count) {
case ("list", 1):
    for path in HotPath.all { print(path.name) }
case ("run", 3), ("run", 4):
    let name = arguments[arguments.startIndex + 1]
    guard let path = HotPath.all.first(where: { $0.name == name }),
          let iterations = Int(arguments[arguments.startIndex + 2]),
          let warmup = Int(arguments.count == 4 ? arguments[arguments.startIndex + 3] : "100")
    else { fail("unknown hot path or bad count (see `gyre-micro-ops list`)", code: 2) }
    let prepared = PreparedHotPath(path)
    do {
        try prepared.setUp()
    } catch {
        fail("\(name): setup failed: \(error)", code: 1)
    }
    for _ in 0..<warmup { prepared.run() }
    for _ in 0..<iterations { prepared.run() }
    prepared.tearDown()
default:
    fail("usage: gyre-micro-ops list | run NAME ITERATIONS [WARMUP]", code: 2)
}

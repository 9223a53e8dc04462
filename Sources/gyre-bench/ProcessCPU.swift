import Foundation

/// CPU time (user + system, all threads) of processes, read from `/proc/PID/stat`.
///
/// Contract: Linux only; ``microseconds(pid:)`` returns nil when the process does not exist or
/// the file cannot be parsed. The resolution is one clock tick (usually 10 ms), so measure
/// windows of seconds.
enum ProcessCPU {
    static let ticksPerSecond: Double = {
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        return ticks > 0 ? Double(ticks) : 100
    }()

    /// utime + stime of `pid` (0: this process), in microseconds.
    static func microseconds(pid: Int32) -> Double? {
        let path = pid == 0 ? "/proc/self/stat" : "/proc/\(pid)/stat"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) * 1_000_000 / ticksPerSecond
    }

    /// The summed CPU time of `pids`, or nil when one of them cannot be read.
    static func microseconds(pids: [Int32]) -> Double? {
        var total = 0.0
        for pid in pids {
            guard let value = microseconds(pid: pid) else { return nil }
            total += value
        }
        return total
    }
}

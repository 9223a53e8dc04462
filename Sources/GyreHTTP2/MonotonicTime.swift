/// Arithmetic on the monotonic clock's nanoseconds (what the connections' `now()` returns),
/// without traps.
enum MonotonicTime {
    /// `time + duration`, or `UInt64.max` (a moment that never comes) when it would overflow.
    static func adding(_ time: UInt64, _ duration: UInt64) -> UInt64 {
        let (sum, overflow) = time.addingReportingOverflow(duration)
        return overflow ? .max : sum
    }

    /// Nanoseconds from `start` to `end` (0 if the clock went backwards).
    static func since(_ start: UInt64, _ end: UInt64) -> UInt64 { end >= start ? end - start : 0 }
}

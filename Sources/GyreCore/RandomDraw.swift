/// Random choices made only from `next()` words of the generator the caller passes, so a seed
/// means the same choices on every Swift version (the standard library's `shuffled(using:)` and
/// `random(in:using:)` algorithms may change).
///
/// Contract: ``below(_:using:)`` uses one word (multiply-high); ``shuffle(_:using:)`` is
/// Fisher–Yates from the end, one word per position; ``choose(_:from:using:)`` runs the same
/// steps for `k` positions only and returns the chosen elements in their original order. A
/// generator that always answers `UInt64.max` leaves a shuffle in place and chooses the last `k`.
enum RandomDraw {
    /// Uniform in `0..<bound` (`bound` ≥ 1).
    static func below<Generator: RandomNumberGenerator>(_ bound: Int, using random: inout Generator) -> Int {
        precondition(bound >= 1, "below(_:) needs a positive bound")
        return Int(random.next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    static func shuffle<Element, Generator: RandomNumberGenerator>(_ elements: inout [Element], using random: inout Generator) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(index, below(index + 1, using: &random))
        }
    }

    /// `k` distinct elements of `elements` (all of them when there are no more than `k`).
    static func choose<Element, Generator: RandomNumberGenerator>(
        _ k: Int, from elements: [Element], using random: inout Generator
    ) -> [Element] {
        guard k < elements.count else { return elements }
        guard k > 0 else { return [] }
        var positions = Array(elements.indices)
        for index in stride(from: positions.count - 1, through: positions.count - k, by: -1) {
            positions.swapAt(index, below(index + 1, using: &random))
        }
        return positions[(positions.count - k)...].sorted().map { elements[$0] }
    }
}

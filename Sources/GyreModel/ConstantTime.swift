/// Comparisons whose running time does not depend on where secret-derived bytes differ.
///
/// Contract: ``equal(_:_:)`` reads every byte of both inputs whenever their lengths match (a
/// length is never secret here: MACs have a fixed size), so an attacker timing a refusal learns
/// nothing about how many leading bytes of a forged MAC were right.
public enum ConstantTime {
    /// True when `lhs` and `rhs` hold the same bytes.
    public static func equal(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}

public import GyreModel

/// A few values keyed by node id, kept in an array: the coordinators track at most a handful of
/// nodes per request (N plus fallbacks), where a linear scan beats hashing 16-byte ids.
///
/// Contract: a dictionary's semantics (one value per node, insertion order on iteration);
/// operations are O(count).
public struct NodeTable<Value: Sendable>: Sendable {
    @usableFromInline var entries: [(node: NodeID, value: Value)] = []

    @inlinable public init() {}

    @inlinable public var count: Int { entries.count }
    @inlinable public var isEmpty: Bool { entries.isEmpty }
    @inlinable public var nodes: [NodeID] { entries.map(\.node) }

    @inlinable public subscript(node: NodeID) -> Value? {
        get {
            for entry in entries where entry.node == node { return entry.value }
            return nil
        }
        set {
            if let index = entries.firstIndex(where: { $0.node == node }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((node, newValue))
            }
        }
    }

    /// Removes and returns the value of `node`, if any.
    @inlinable @discardableResult
    public mutating func removeValue(forKey node: NodeID) -> Value? {
        guard let index = entries.firstIndex(where: { $0.node == node }) else { return nil }
        return entries.remove(at: index).value
    }
}

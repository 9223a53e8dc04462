/// gRPC metadata: an ordered list of (lower-case name, value) pairs, as in HTTP/2 headers.
///
/// Contract: names are stored lower-cased; order and repeats are kept. Binary (`-bin`) values
/// are carried as their base64 text; this type does not decode them.
public struct Metadata: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    private var entries: [Element]

    public init() { entries = [] }

    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { (name: $0.0.lowercased(), value: $0.1) }
    }

    public static func == (lhs: Metadata, rhs: Metadata) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Appends one pair; the name is lower-cased.
    public mutating func add(_ name: String, _ value: String) {
        entries.append((name: name.lowercased(), value: value))
    }

    /// Appends a pair whose name the caller guarantees is already lower-case (hot path).
    public mutating func addLowercased(_ name: String, _ value: String) {
        entries.append((name: name, value: value))
    }

    /// The first value for `name` (any case), or nil.
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        return entries.first { $0.name == lower }?.value
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }
}

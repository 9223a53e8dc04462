/// Seals the causal contexts a cluster hands to clients and opens the ones they hand back: a
/// context names the key and the cluster it was issued for, and carries a MAC under the
/// cluster's secret, so a client can return a context but never make or edit one.
///
/// Format 0x12 (the empty vector stays zero bytes, the always-valid "no context"):
///
///     [0x12] body MAC(16 bytes)
///     body = varint(count) { actor: 16 bytes big-endian, counter: varint }*count   (as format 0x11)
///     MAC  = HMAC-SHA256(secret, "gyre.context.0x12" ‖ cluster id (16 bytes) ‖ varint(key length)
///                                ‖ key ‖ body), its first 16 bytes
///
/// The key is not in the context (every request names its key); the MAC binds it.
///
/// Contract: pure and thread-safe (a value). ``seal(_:for:)`` of a vector and ``open(_:for:)`` of
/// the result with the same key give the vector back; ``open(_:for:)`` throws
/// ``ContextRefusal`` for anything else: another key, another cluster id or secret, any changed
/// byte, any other format. The MAC is checked, in constant time, before the body is decoded, so
/// a forged context costs one MAC over its bytes and never reaches the vector decoder. A body
/// that passes the MAC is still decoded strictly (counters up to ``VersionVector/maxCounter``).
/// The start of the MAC input shared by every context (domain tag and cluster id) is absorbed
/// once, at ``init(clusterID:secret:)``.
public struct ContextSeal: Sendable {
    /// The format byte of a sealed context.
    public static let format: UInt8 = 0x12
    /// Length of the MAC that ends a sealed context.
    public static let macByteCount = 16
    /// Most actors a context may name: far above any real key's (its coordinators, a cluster's
    /// members), and it bounds what a forged context costs before it is refused (one MAC over
    /// at most ``maxByteCount`` bytes, about 0.5 ms, not one over a 4 MiB message).
    public static let maxActors = 4096
    /// The longest sealed context: format byte, count, `maxActors` entries of at most 26 bytes, MAC.
    public static let maxByteCount = 1 + 10 + maxActors * 26 + macByteCount
    /// What the MAC input starts with, so a MAC made here means nothing anywhere else.
    static let domainTag = Array("gyre.context.0x12".utf8)

    /// The cluster the contexts are issued for.
    public let clusterID: ClusterID
    /// The HMAC computation after the domain tag and the cluster id.
    private let prefix: HMACSHA256

    public init(clusterID: ClusterID, secret: ClusterSecret) {
        self.clusterID = clusterID
        var prefix = HMACSHA256Key(secret.bytes).start()
        prefix.update(Self.domainTag)
        prefix.update(clusterID.bytes)
        self.prefix = prefix
    }

    /// The context a client gets for `vector`, read or written at `key`: empty for the empty vector.
    public func seal(_ vector: VersionVector, for key: Key) -> CausalContext {
        if vector.isEmpty { return .none }
        var bytes: [UInt8] = [Self.format]
        bytes.reserveCapacity(1 + 10 + vector.count * 26 + Self.macByteCount)
        vector.appendEntries(to: &bytes)
        let mac = code(key: key, body: bytes[1...])
        bytes += mac[0..<Self.macByteCount]
        return CausalContext(bytes)
    }

    /// The vector a client's context names for `key`: nil for the empty context ("no context").
    public func open(_ context: CausalContext, for key: Key) throws(ContextRefusal) -> VersionVector? {
        let bytes = context.bytes
        if bytes.isEmpty { return nil }
        guard bytes[0] == Self.format else { throw .unknownFormat(bytes[0]) }
        // The shortest body is one actor: a count byte, 16 actor bytes, a counter byte.
        guard bytes.count >= 1 + 18 + Self.macByteCount else { throw .tooShort(bytes.count) }
        guard bytes.count <= Self.maxByteCount else { throw .tooLong(bytes.count) }
        let macStart = bytes.count - Self.macByteCount
        let body = bytes[1..<macStart]
        let expected = code(key: key, body: body)
        guard ConstantTime.equal(expected[0..<Self.macByteCount], bytes[macStart...]) else { throw .notIssuedHere }
        do {
            return try Self.decodeBody(Array(body))
        } catch {
            throw .undecodable(error)
        }
    }

    /// The body's vector: strict, as format 0x11 after its format byte.
    private static func decodeBody(_ body: [UInt8]) throws(CausalDecodingError) -> VersionVector {
        var reader = CausalByteReader(body)
        let vector = try VersionVector.readEntries(from: &reader)
        if vector.isEmpty { throw .nonCanonicalEmpty }
        try reader.finish()
        return vector
    }

    /// HMAC-SHA256 over the prefix, the key and `body`.
    private func code(key: Key, body: ArraySlice<UInt8>) -> [UInt8] {
        var mac = prefix
        var length: [UInt8] = []
        appendVarint(UInt64(key.bytes.count), to: &length)
        mac.update(length)
        mac.update(key.bytes)
        mac.update(body)
        return mac.finalize()
    }
}

/// Why a client's context was refused; ``description`` is the `INVALID_ARGUMENT` message.
///
/// Contract: every case means "this cluster did not issue this context for this key"; the case
/// says which check failed, for the operator reading the message.
public enum ContextRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first byte is not ``ContextSeal/format`` (a context of an older version, or not one).
    case unknownFormat(UInt8)
    /// Shorter than the smallest sealed context.
    case tooShort(Int)
    /// Longer than any context this cluster issues (``ContextSeal/maxByteCount``).
    case tooLong(Int)
    /// The MAC does not match: another key, another cluster, or changed bytes.
    case notIssuedHere
    /// The MAC matches but the body does not decode (a bug, or a leaked secret).
    case undecodable(CausalDecodingError)

    public var description: String {
        let detail: String
        switch self {
        case let .unknownFormat(byte): detail = "unknown context format \(byte)"
        case let .tooShort(count): detail = "\(count) bytes is too short for a context"
        case let .tooLong(count): detail = "\(count) bytes is longer than any context (at most \(ContextSeal.maxByteCount))"
        case .notIssuedHere: detail = "its seal does not match"
        case let .undecodable(error): detail = "\(error)"
        }
        return "context was not issued for this key by this cluster (\(detail)): pass back the context "
            + "a Get or Put of this key answered, or none"
    }
}

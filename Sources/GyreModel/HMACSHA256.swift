/// An HMAC-SHA256 key (RFC 2104, FIPS 198-1) with its two pad states computed once.
///
/// Contract: `HMAC(K, m) = SHA256((K' ⊕ opad) ‖ SHA256((K' ⊕ ipad) ‖ m))`, where `K'` is the key
/// padded with zeros to 64 bytes (a key longer than 64 bytes is first replaced by its SHA-256),
/// checked against RFC 4231's test vectors. ``init(_:)`` absorbs `K' ⊕ ipad` and `K' ⊕ opad`
/// once; every MAC then starts from copies of those states, so a MAC of a short message costs
/// three compressions (two for the inner hash of up to 55 bytes, one for the outer). The key
/// bytes themselves are not kept.
public struct HMACSHA256Key: Sendable {
    /// The inner hash after `K' ⊕ ipad`.
    let inner: SHA256
    /// The outer hash after `K' ⊕ opad`.
    let outer: SHA256

    public init(_ key: [UInt8]) {
        var padded = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
        padded += [UInt8](repeating: 0, count: SHA256.blockByteCount - padded.count)
        var inner = SHA256()
        inner.update(padded.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(padded.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// A MAC computation to feed piece by piece.
    public func start() -> HMACSHA256 { HMACSHA256(inner: inner, outer: outer) }

    /// The 32-byte MAC of `message`.
    public func authenticationCode(for message: [UInt8]) -> [UInt8] {
        var mac = start()
        mac.update(message)
        return mac.finalize()
    }
}

/// One running HMAC-SHA256 computation, made by ``HMACSHA256Key/start()``.
///
/// Contract: as ``SHA256``: the MAC depends only on the concatenation of what ``update(_:)``
/// absorbed; a copy continues independently (so a common prefix can be absorbed once and the
/// computation copied for each message).
public struct HMACSHA256: Sendable {
    private var inner: SHA256
    private let outer: SHA256

    init(inner: SHA256, outer: SHA256) {
        self.inner = inner
        self.outer = outer
    }

    public mutating func update(_ bytes: [UInt8]) { inner.update(bytes) }

    public mutating func update(_ bytes: ArraySlice<UInt8>) { inner.update(bytes) }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { inner.update(bytes) }

    /// The 32-byte MAC.
    public consuming func finalize() -> [UInt8] {
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

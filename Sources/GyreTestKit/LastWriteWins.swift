public import GyreCore
public import GyreModel
public import GyrePipeline

/// A deliberately broken register: one value per key, the newest by (virtual time, node id) wins
/// on every write and every merge. Jepsen measured what this does to acknowledged writes
/// (REFERENCE.md §2.1); the simulation keeps it to prove its checker notices.
///
/// Contract: a join (commutative, associative, idempotent) like any ``Mergeable``, so the
/// coordinators run it unchanged; its ``history`` is a version vector covering every event it
/// has absorbed, so a write's event is "held" by exactly the replicas it reached, as in
/// ``CausalVersioning``. It only forgets concurrent values.
public struct LastWriteWinsRegister: Mergeable {
    /// The surviving value (a tombstone after a delete).
    public var value: StoredValue
    /// Virtual time of the surviving write.
    public var time: UInt64
    /// The coordinator of the surviving write (breaks time ties).
    public var writer: NodeID
    /// Every event absorbed, the lost ones included.
    public var history: VersionVector

    public init(value: StoredValue, time: UInt64, writer: NodeID, history: VersionVector) {
        self.value = value
        self.time = time
        self.writer = writer
        self.history = history
    }

    /// True when this register's write is newer than `other`'s.
    func isNewer(than other: LastWriteWinsRegister) -> Bool {
        (time, writer) > (other.time, other.writer)
    }

    public func merged(with other: LastWriteWinsRegister) -> LastWriteWinsRegister {
        var winner = other.isNewer(than: self) ? other : self
        winner.history = history.merged(with: other.history)
        return winner
    }
}

/// ``LastWriteWinsRegister`` as a simulated node's versioning: the broken variant.
public struct LastWriteWinsVersioning: ReplicaVersioning {
    public typealias Version = LastWriteWinsRegister

    public init() {}

    public var name: String { "last-write-wins" }

    public func coordinateWrite(current: LastWriteWinsRegister?, context: VersionVector?, value: StoredValue,
                                       actor: NodeID, now: UInt64) -> Result<LastWriteWinsRegister, ReplicaLogic.WriteRefusal> {
        let seen = (current?.history ?? VersionVector()).merged(with: context ?? VersionVector())
        let written = LastWriteWinsRegister(value: value, time: now, writer: actor, history: seen.incremented(for: actor))
        return .success(current.map { $0.merged(with: written) } ?? written)
    }

    public func absorb(current: LastWriteWinsRegister?, incoming: LastWriteWinsRegister) -> LastWriteWinsRegister {
        current.map { $0.merged(with: incoming) } ?? incoming
    }

    public func clientView(of versions: LastWriteWinsRegister?) -> (values: [[UInt8]], context: VersionVector) {
        guard let versions else { return ([], VersionVector()) }
        return (versions.value.bytes.map { [$0] } ?? [], versions.history)
    }

    public func history(of versions: LastWriteWinsRegister) -> VersionVector { versions.history }

    /// `[0x4C] [0 | 1 varint(length) bytes] time(8, big-endian) writer(16) history(VersionVector)`.
    public func encode(_ versions: LastWriteWinsRegister) -> [UInt8] {
        var bytes: [UInt8] = [0x4C]
        if let payload = versions.value.bytes {
            bytes.append(1)
            var length = UInt64(payload.count)
            repeat {
                bytes.append(UInt8(length & 0x7F) | (length > 0x7F ? 0x80 : 0))
                length >>= 7
            } while length > 0
            bytes += payload
        } else {
            bytes.append(0)
        }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: versions.time >> UInt64(shift))) }
        bytes += versions.writer.bytes
        bytes += versions.history.encode()
        return bytes
    }

    public func decode(_ bytes: [UInt8]) throws -> LastWriteWinsRegister {
        guard let register = Self.parse(bytes) else { throw LastWriteWinsDecodingError() }
        return register
    }

    private static func parse(_ bytes: [UInt8]) -> LastWriteWinsRegister? {
        var position = 0
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - position >= count else { return nil }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        guard take(1)?.first == 0x4C, let tag = take(1)?.first else { return nil }
        let value: StoredValue
        switch tag {
        case 0:
            value = .tombstone
        case 1:
            var length: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard shift < 64, let byte = take(1)?.first else { return nil }
                length |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
            }
            guard length <= UInt64(bytes.count), let payload = take(Int(length)) else { return nil }
            value = .value(Array(payload))
        default:
            return nil
        }
        guard let timeBytes = take(8), let writerBytes = take(16), let writer = NodeID(bytes: Array(writerBytes)) else { return nil }
        let time = timeBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard let history = try? VersionVector(decoding: Array(bytes[position...])) else { return nil }
        return LastWriteWinsRegister(value: value, time: time, writer: writer, history: history)
    }
}

/// Bytes that are not a ``LastWriteWinsVersioning`` encoding.
public struct LastWriteWinsDecodingError: Error, CustomStringConvertible {
    public var description: String { "not a last-write-wins register" }
}

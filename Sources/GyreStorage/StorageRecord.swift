public import GyreModel

/// One record of a partition, as ``StorageEngine/scan(partition:after:limit:)`` returns it: the
/// key and the stored bytes, exactly as written.
public struct StorageRecord: Hashable, Sendable {
    public var key: Key
    public var value: [UInt8]

    public init(key: Key, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

public import GyreModel

/// Where a record lives: its partition and its key. A partition's keys form one contiguous range
/// in every engine's layout, ordered bytewise by key.
public struct StorageKey: Hashable, Sendable {
    public var partition: UInt32
    public var key: Key

    public init(partition: UInt32, key: Key) {
        self.partition = partition
        self.key = key
    }
}

/// The method paths a server knows, looked up straight from header bytes.
///
/// Contract: ``index(of:)`` returns the position of the path whose UTF-8 bytes equal `bytes`,
/// or nil; lookups allocate nothing.
public struct PathTable: Sendable {
    private let paths: [[UInt8]]
    public let strings: [String]

    public init(_ paths: [String]) {
        strings = paths
        self.paths = paths.map { Array($0.utf8) }
    }

    public func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        for (index, path) in paths.enumerated() where path.count == bytes.count {
            let same = path.withUnsafeBytes { stored in
                stored.elementsEqual(bytes)
            }
            if same { return index }
        }
        return nil
    }
}

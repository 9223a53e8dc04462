/// The opaque causal context a get returns and a put or delete hands back.
///
/// Contract: clients never build or edit one; an empty context means "no context". Only the
/// node that decodes it (through the versioning code) gives the bytes meaning.
public struct CausalContext: Hashable, Sendable {
    /// The encoded context, as it travels on the wire.
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    /// The empty context: "this write saw nothing".
    public static let none = CausalContext()

    /// True for the empty context.
    public var isEmpty: Bool { bytes.isEmpty }
}

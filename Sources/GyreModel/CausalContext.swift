/// The opaque causal context a get or put returns and a put or delete hands back.
///
/// Contract: clients never build or edit one; an empty context means "no context". Any other
/// context is sealed by its cluster for one key (``ContextSeal``): only that cluster's nodes,
/// for that key, give the bytes meaning; anything else is refused.
public struct CausalContext: Hashable, Sendable {
    /// The encoded context, as it travels on the wire.
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    /// The empty context: "this write saw nothing".
    public static let none = CausalContext()

    /// True for the empty context.
    public var isEmpty: Bool { bytes.isEmpty }
}

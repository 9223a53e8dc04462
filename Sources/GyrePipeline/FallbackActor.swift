public import GyreModel
public import GyreStorage
import Synchronization

/// The actor id under which this node coordinates a write for a key it does not replicate (when
/// none of the key's replicas can be reached: Dynamo's "always writeable").
///
/// Why not the node's own id: a DVVSet event must causally follow every earlier event of its
/// actor for the key, so a coordinator must know its own earlier events. A node that is not a
/// replica knows them only while it still holds them as hints; once handoff delivered and
/// deleted them, reusing the actor could make an event that silently covers an earlier
/// sibling. So the fallback actor is renewed before any hint is deleted after it was used, and
/// at every start: an id is never used again once its events may have been forgotten.
///
/// Contract: thread-safe. ``current`` is derived from the node id and a generation recorded in
/// the store (`fallback.generation`, synced); ``renewIfUsed()`` records the next generation
/// before it returns true. Read ``current`` inside the storage transform that writes the event
/// (under the key's lock), so a deletion and a new event of the same key are ordered.
public final class FallbackActor: Sendable {
    static let metadataName = "fallback.generation"

    private struct State {
        var generation: UInt64
        var actor: NodeID
        var used = false
    }

    private let node: NodeID
    private let storage: any StorageEngine
    private let state: Mutex<State>

    /// Takes the generation after the recorded one (recording it), so a restart never reuses an
    /// actor. Without a working store it starts from a generation drawn at random.
    public init(node: NodeID, storage: any StorageEngine) {
        self.node = node
        self.storage = storage
        let recorded = (try? storage.metadata(Self.metadataName)).flatMap(StorageMetadata.decodeCounter)
        let generation = recorded.map { $0 &+ 1 } ?? UInt64.random(in: 1...(1 << 40))
        try? storage.setMetadata(Self.metadataName, StorageMetadata.encode(counter: generation))
        state = Mutex(State(generation: generation, actor: Self.actor(node: node, generation: generation)))
    }

    /// The actor id to give a new event now; marks it used.
    public func take() -> NodeID {
        state.withLock { state in
            state.used = true
            return state.actor
        }
    }

    /// The actor ``take()`` would give now, without marking it used (for observers).
    public var current: NodeID { state.withLock { $0.actor } }

    /// Moves to the next generation (recorded first) when the current actor was used since the
    /// last renewal. False when it could not record it: then no hint may be deleted.
    public func renewIfUsed() -> Bool {
        state.withLock { state in
            guard state.used else { return true }
            let next = state.generation &+ 1
            do {
                try storage.setMetadata(Self.metadataName, StorageMetadata.encode(counter: next))
            } catch {
                return false
            }
            state = State(generation: next, actor: Self.actor(node: node, generation: next))
            return true
        }
    }

    /// The node's fallback actor of `generation`: 128 bits hashed from the node id and the
    /// generation (never the node id itself).
    static func actor(node: NodeID, generation: UInt64) -> NodeID {
        var bytes = node.bytes
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: generation >> UInt64(shift))) }
        let high = KeyHash.xxh64(bytes, seed: 0x6661_6C6C_6261_636B)
        let low = KeyHash.xxh64(bytes, seed: 0x6163_746F_7220_6964)
        return NodeID(high: high, low: low)
    }
}

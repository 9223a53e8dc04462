internal import CGyreProto
public import GyreModel

// `Replica.Gossip` and `Cluster.Members` messages (proto/gyre/v1/replica.proto,
// proto/gyre/v1/cluster.proto) ⇄ protobuf-c.

// MARK: SWIMMessage (gyre.v1.GossipMessage)

extension SWIMMessage: WireMessage {
    /// Most updates a message may carry on the wire (a sync's whole view); the SWIM instance
    /// applies its own, lower limits for piggybacked gossip.
    public static let maxWireUpdates = 4_096
    /// Most accusers one update may name.
    public static let maxWireAccusers = 8

    /// Decodes the message; an unknown kind or state, a node id that is not 16 bytes, a missing
    /// target, or more updates or accusers than allowed throw ``WireError``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> SWIMMessage {
        let name: StaticString = "gyre.v1.GossipMessage"
        return try unpack(bytes, as: name, with: gyre__v1__gossip_message__unpack,
                          free: gyre__v1__gossip_message__free_unpacked) { (message) throws(WireError) in
            func malformed(_ why: String) -> WireError { .malformed(name, byteCount: bytes.count, why) }
            guard message.n_updates <= maxWireUpdates else { throw malformed("\(message.n_updates) updates (at most \(maxWireUpdates))") }
            var updates: [MemberUpdate] = []
            updates.reserveCapacity(message.n_updates)
            for slot in UnsafeBufferPointer(start: message.updates, count: message.n_updates) {
                let update = slot!.pointee
                guard let node = NodeID(bytes: [UInt8](update.node_id)) else { throw malformed("an update's node_id is not 16 bytes") }
                guard update.state <= 2, let state = MemberState(rawValue: UInt8(update.state)) else {
                    throw malformed("an update's state is \(update.state)")
                }
                guard update.n_accusers <= maxWireAccusers else { throw malformed("\(update.n_accusers) accusers (at most \(maxWireAccusers))") }
                var accusers: [NodeID] = []
                for accuser in UnsafeBufferPointer(start: update.accusers, count: update.n_accusers) {
                    guard let id = NodeID(bytes: [UInt8](accuser)) else { throw malformed("an accuser is not 16 bytes") }
                    accusers.append(id)
                }
                updates.append(MemberUpdate(node: node, status: MemberStatus(state, incarnation: update.incarnation),
                                            accusers: accusers))
            }
            func target() throws(WireError) -> NodeID {
                guard let id = NodeID(bytes: [UInt8](message.target)) else { throw malformed("target is not 16 bytes") }
                return id
            }
            switch message.kind {
            case GYRE__V1__GOSSIP_MESSAGE__KIND__PING:
                return .ping(probe: message.probe, updates: updates)
            case GYRE__V1__GOSSIP_MESSAGE__KIND__PING_REQUEST:
                return .pingRequest(probe: message.probe, target: try target(), updates: updates)
            case GYRE__V1__GOSSIP_MESSAGE__KIND__ACK:
                return .ack(probe: message.probe, target: try target(), incarnation: message.incarnation, updates: updates)
            case GYRE__V1__GOSSIP_MESSAGE__KIND__NACK:
                return .nack(probe: message.probe, target: try target(), updates: updates)
            case GYRE__V1__GOSSIP_MESSAGE__KIND__SYNC:
                return .sync(states: updates)
            case GYRE__V1__GOSSIP_MESSAGE__KIND__SYNC_REPLY:
                return .syncReply(states: updates)
            default:
                throw malformed("unknown kind \(message.kind.rawValue)")
            }
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var storage = TemporaryCStorage()
        defer { storage.release() }
        let updates = self.updates
        let cUpdates = CArray<Gyre__V1__MemberUpdate>(count: updates.count)
        defer { cUpdates.release() }
        var accuserArrays: [UnsafeMutablePointer<ProtobufCBinaryData>] = []
        defer { for array in accuserArrays { array.deallocate() } }
        for (index, update) in updates.enumerated() {
            var cUpdate = Gyre__V1__MemberUpdate()
            gyre__v1__member_update__init(&cUpdate)
            cUpdate.node_id = storage.binary(update.node.bytes)
            cUpdate.state = UInt32(update.status.state.rawValue)
            cUpdate.incarnation = update.status.incarnation
            if !update.accusers.isEmpty {
                let array = UnsafeMutablePointer<ProtobufCBinaryData>.allocate(capacity: update.accusers.count)
                accuserArrays.append(array)
                for (slot, accuser) in update.accusers.enumerated() { array[slot] = storage.binary(accuser.bytes) }
                cUpdate.n_accusers = update.accusers.count
                cUpdate.accusers = array
            }
            cUpdates.set(index, cUpdate)
        }
        var message = Gyre__V1__GossipMessage()
        gyre__v1__gossip_message__init(&message)
        switch self {
        case let .ping(probe, _):
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__PING
            message.probe = probe
        case let .pingRequest(probe, target, _):
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__PING_REQUEST
            message.probe = probe
            message.target = storage.binary(target.bytes)
        case let .ack(probe, target, incarnation, _):
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__ACK
            message.probe = probe
            message.target = storage.binary(target.bytes)
            message.incarnation = incarnation
        case let .nack(probe, target, _):
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__NACK
            message.probe = probe
            message.target = storage.binary(target.bytes)
        case .sync:
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__SYNC
        case .syncReply:
            message.kind = GYRE__V1__GOSSIP_MESSAGE__KIND__SYNC_REPLY
        }
        message.n_updates = updates.count
        message.updates = cUpdates.pointers
        return packedEncoding(framed: framed, packedSize: gyre__v1__gossip_message__get_packed_size(&message)) {
            gyre__v1__gossip_message__pack(&message, $0)
        }
    }
}

// MARK: GossipResponse

extension GossipResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> GossipResponse {
        try unpack(bytes, as: "gyre.v1.GossipResponse", with: gyre__v1__gossip_response__unpack,
                   free: gyre__v1__gossip_response__free_unpacked) { _ in GossipResponse() }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: MembersRequest

extension MembersRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> MembersRequest {
        try unpack(bytes, as: "gyre.v1.MembersRequest", with: gyre__v1__members_request__unpack,
                   free: gyre__v1__members_request__free_unpacked) { _ in MembersRequest() }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: MembersResponse

extension MembersResponse: WireMessage {
    /// Decodes the message; ids that are not 16 bytes, or an unknown state, throw ``WireError``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> MembersResponse {
        let name: StaticString = "gyre.v1.MembersResponse"
        return try unpack(bytes, as: name, with: gyre__v1__members_response__unpack,
                          free: gyre__v1__members_response__free_unpacked) { (message) throws(WireError) in
            guard let nodeID = NodeID(bytes: [UInt8](message.node_id)) else {
                throw .malformed(name, byteCount: bytes.count, "node_id is not 16 bytes")
            }
            var entries: [Entry] = []
            for slot in UnsafeBufferPointer(start: message.members, count: message.n_members) {
                let entry = slot!.pointee
                guard let info = entry.member?.pointee, let member = Member(cInfo: info) else {
                    throw .malformed(name, byteCount: bytes.count, "a member without a 16-byte node_id")
                }
                let stateName = String(protobufC: entry.state)
                guard let state = [MemberState.alive, .suspect, .dead].first(where: { $0.description == stateName }) else {
                    throw .malformed(name, byteCount: bytes.count, "unknown state \(stateName)")
                }
                entries.append(Entry(member: member, state: state, incarnation: entry.incarnation, isSelf: entry.is_self != 0))
            }
            return MembersResponse(nodeID: nodeID, members: entries)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var storage = TemporaryCStorage()
        defer { storage.release() }
        let infos = CArray<Gyre__V1__MemberInfo>(count: members.count)
        defer { infos.release() }
        let states = CArray<Gyre__V1__MemberState>(count: members.count)
        defer { states.release() }
        for (index, entry) in members.enumerated() {
            infos.set(index, entry.member.cInfo(in: &storage))
            var state = Gyre__V1__MemberState()
            gyre__v1__member_state__init(&state)
            state.member = infos.pointers![index]
            state.state = storage.cString(entry.state.description)
            state.incarnation = entry.incarnation
            state.is_self = entry.isSelf ? 1 : 0
            states.set(index, state)
        }
        var message = Gyre__V1__MembersResponse()
        gyre__v1__members_response__init(&message)
        message.node_id = storage.binary(nodeID.bytes)
        message.n_members = members.count
        message.members = states.pointers
        return packedEncoding(framed: framed, packedSize: gyre__v1__members_response__get_packed_size(&message)) {
            gyre__v1__members_response__pack(&message, $0)
        }
    }
}

internal import CGyreProto
public import GyreModel

// `gyre.v1.Cluster/Ring` messages (proto/gyre/v1/cluster.proto) ⇄ protobuf-c. Not a hot path
// (SDKs fetch the ring now and then): members' fields are copied into temporary C storage that
// lives for one encoding, instead of the nested borrowing scopes the request messages use.

// MARK: RingRequest

extension RingRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> RingRequest {
        try unpack(bytes, as: "gyre.v1.RingRequest",
                   with: gyre__v1__ring_request__unpack, free: gyre__v1__ring_request__free_unpacked) { _ in
            RingRequest()
        }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: RingInfo (gyre.v1.RingResponse)

extension RingInfo: WireMessage {
    /// Decodes the message; ids that are not 16 bytes, or an owner index outside `members`,
    /// throw ``WireError``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> RingInfo {
        try unpack(bytes, as: "gyre.v1.RingResponse",
                   with: gyre__v1__ring_response__unpack, free: gyre__v1__ring_response__free_unpacked) { (message) throws(WireError) in
            var members: [Member] = []
            for slot in UnsafeBufferPointer(start: message.members, count: message.n_members) {
                guard let member = Member(cInfo: slot!.pointee) else {
                    throw .malformed("gyre.v1.RingResponse", byteCount: bytes.count, "a member's node_id is not 16 bytes")
                }
                members.append(member)
            }
            let owners = Array(UnsafeBufferPointer(start: message.owners, count: message.n_owners))
            guard owners.allSatisfy({ Int($0) < members.count }) else {
                throw .malformed("gyre.v1.RingResponse", byteCount: bytes.count, "an owner index is outside the members")
            }
            guard let clusterID = ClusterID(bytes: [UInt8](message.cluster_id)) else {
                throw .malformed("gyre.v1.RingResponse", byteCount: bytes.count, "cluster_id is not 16 bytes")
            }
            return RingInfo(epoch: message.epoch, partitionCount: message.partition_count, replication: message.replication,
                            members: members, owners: owners, clusterID: clusterID, membersVersion: message.members_version)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var storage = TemporaryCStorage()
        defer { storage.release() }
        let infos = CArray<Gyre__V1__MemberInfo>(count: members.count)
        defer { infos.release() }
        for (index, member) in members.enumerated() { infos.set(index, member.cInfo(in: &storage)) }
        return owners.withUnsafeBufferPointer { owners in
            var message = Gyre__V1__RingResponse()
            gyre__v1__ring_response__init(&message)
            message.epoch = epoch
            message.members_version = membersVersion
            message.partition_count = partitionCount
            message.replication = replication
            message.n_members = members.count
            message.members = infos.pointers
            message.n_owners = owners.count
            message.owners = owners.isEmpty ? nil : UnsafeMutablePointer(mutating: owners.baseAddress)
            message.cluster_id = storage.binary(clusterID.bytes)
            return packedEncoding(framed: framed, packedSize: gyre__v1__ring_response__get_packed_size(&message)) {
                gyre__v1__ring_response__pack(&message, $0)
            }
        }
    }
}

extension Member {
    /// `gyre.v1.MemberInfo` of this member, its strings and bytes copied into `storage`.
    func cInfo(in storage: inout TemporaryCStorage) -> Gyre__V1__MemberInfo {
        var info = Gyre__V1__MemberInfo()
        gyre__v1__member_info__init(&info)
        info.node_id = storage.binary(id.bytes)
        info.weight = weight
        info.client_address = storage.cString(clientAddress)
        info.peer_address = storage.cString(peerAddress)
        info.name = storage.cString(name)
        return info
    }

    /// The member a `gyre.v1.MemberInfo` describes; nil when its node id is not 16 bytes.
    init?(cInfo info: Gyre__V1__MemberInfo) {
        guard let id = NodeID(bytes: [UInt8](info.node_id)) else { return nil }
        self.init(id: id, weight: info.weight, clientAddress: String(protobufC: info.client_address),
                  peerAddress: String(protobufC: info.peer_address), name: String(protobufC: info.name))
    }
}

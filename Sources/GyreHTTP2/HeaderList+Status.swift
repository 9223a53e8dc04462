import GyreRPC

extension HeaderList {
    /// The trailers that end a call with `status`: the constant `grpc-status: 0` block for a
    /// plain OK, otherwise `grpc-status`, `grpc-message` (percent-encoded) when there is a
    /// message, and the status's own trailers.
    static func trailers(for status: RPCStatus) -> HeaderList {
        if status.code == .ok && status.message.isEmpty && status.trailers.isEmpty {
            return HeaderList(constant: ConstantHeaders.grpcOK)
        }
        var fields: [(name: String, value: String)] = [(name: "grpc-status", value: status.code.wireText)]
        if !status.message.isEmpty {
            fields.append((name: "grpc-message", value: GRPCMessageText.encode(status.message)))
        }
        for entry in status.trailers { fields.append(entry) }
        return HeaderList(fields: fields)
    }
}

internal import CGyreProto
public import GyreModel

// `grpc.health.v1` messages (proto/grpc/health/v1/health.proto) ⇄ protobuf-c.

// MARK: HealthCheckRequest

extension HealthCheckRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> HealthCheckRequest {
        try unpack(bytes, as: "grpc.health.v1.HealthCheckRequest",
                   with: grpc__health__v1__health_check_request__unpack,
                   free: grpc__health__v1__health_check_request__free_unpacked) { message in
            HealthCheckRequest(service: String(protobufC: message.service))
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        service.withOptionalCString { service in
            var message = Grpc__Health__V1__HealthCheckRequest()
            grpc__health__v1__health_check_request__init(&message)
            message.service = service
            return packedEncoding(framed: framed,
                                  packedSize: grpc__health__v1__health_check_request__get_packed_size(&message)) {
                grpc__health__v1__health_check_request__pack(&message, $0)
            }
        }
    }
}

// MARK: HealthCheckResponse

extension HealthCheckResponse: WireMessage {
    /// Decodes the message; a status number this version does not know (proto3 enums are open)
    /// becomes ``ServingStatus/unknown``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> HealthCheckResponse {
        try unpack(bytes, as: "grpc.health.v1.HealthCheckResponse",
                   with: grpc__health__v1__health_check_response__unpack,
                   free: grpc__health__v1__health_check_response__free_unpacked) { message in
            let number = Int32(truncatingIfNeeded: message.status.rawValue)
            return HealthCheckResponse(status: ServingStatus(rawValue: number) ?? .unknown)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var message = Grpc__Health__V1__HealthCheckResponse()
        grpc__health__v1__health_check_response__init(&message)
        message.status = Grpc__Health__V1__HealthCheckResponse__ServingStatus(
            rawValue: .init(truncatingIfNeeded: status.rawValue))
        return packedEncoding(framed: framed,
                              packedSize: grpc__health__v1__health_check_response__get_packed_size(&message)) {
            grpc__health__v1__health_check_response__pack(&message, $0)
        }
    }
}

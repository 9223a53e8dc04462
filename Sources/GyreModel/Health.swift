/// `grpc.health.v1.HealthCheckRequest`: which service to check ("" = the whole node).
public struct HealthCheckRequest: Sendable, Equatable {
    public var service: String

    public init(service: String = "") { self.service = service }
}

/// `grpc.health.v1.HealthCheckResponse.ServingStatus`, with the standard numbering.
public enum ServingStatus: Int32, Sendable, Equatable {
    case unknown = 0
    case serving = 1
    case notServing = 2
    case serviceUnknown = 3
}

/// `grpc.health.v1.HealthCheckResponse`.
public struct HealthCheckResponse: Sendable, Equatable {
    public var status: ServingStatus

    public init(status: ServingStatus) { self.status = status }
}

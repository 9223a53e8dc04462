public import GyreModel
import Synchronization

/// A ``StorageEngine`` that forwards to another and fails writes or reads on demand, for tests
/// of what the layers above do when storage fails.
///
/// Contract: with no fault armed it behaves exactly as the wrapped engine. An armed write fault
/// fails updates (both forms) and ``setMetadata(_:_:)`` with a ``StorageError/Kind/writeFault``
/// error, as a durable engine would: `.beforeApply` leaves the record unchanged, `.afterApply`
/// writes it to the wrapped engine first (a write applied but not known durable). While a write
/// fault is unresolved ``health`` is `.writeFault`; the next successful write makes it `.ok`.
/// An armed read fault fails ``get(_:)`` (both forms), scans, digests and ``metadata(_:)``.
/// ``statistics`` are the wrapped engine's, plus the injected faults in `writeFaults`.
public final class FaultInjectingEngine: StorageEngine {
    /// Whether a failing write reaches the wrapped engine.
    public enum WriteFault: Sendable, Equatable {
        /// The write is not applied.
        case beforeApply
        /// The write is applied, then reported as failed.
        case afterApply
    }

    private struct State {
        var writeFault: WriteFault?
        var writeFaultsLeft: Int?
        var failReads = false
        var faultMessage: String?
        var injected: UInt64 = 0
    }

    /// The engine every operation goes to.
    public let wrapped: any StorageEngine
    private let state = Mutex(State())

    public init(wrapping engine: any StorageEngine) {
        wrapped = engine
    }

    /// Arms `fault` for the next `count` writes (every write when nil); nil `fault` disarms.
    public func failWrites(_ fault: WriteFault?, count: Int? = nil) {
        state.withLock { state in
            state.writeFault = fault
            state.writeFaultsLeft = count
        }
    }

    /// Makes reads fail (true) or work (false).
    public func failReads(_ fail: Bool) {
        state.withLock { $0.failReads = fail }
    }

    /// The fault the next write gets, consuming one of a counted arming; nil: write normally.
    private func takeWriteFault() -> WriteFault? {
        state.withLock { state in
            guard let fault = state.writeFault else { return nil }
            if let left = state.writeFaultsLeft {
                if left <= 1 { state.writeFault = nil }
                state.writeFaultsLeft = left - 1
            }
            state.injected += 1
            return fault
        }
    }

    private static let injectedFault = StorageError.writeFault("injected by FaultInjectingEngine")

    private func noteWrite(_ result: Result<[UInt8]?, StorageError>) {
        state.withLock { state in
            switch result {
            case .success: state.faultMessage = nil
            case let .failure(error) where error.kind == .writeFault: state.faultMessage = error.message
            case .failure: break
            }
        }
    }

    private func checkRead() throws(StorageError) {
        if state.withLock({ $0.failReads }) { throw StorageError("storage read failed: injected by FaultInjectingEngine") }
    }

    public func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? {
        try checkRead()
        return try wrapped.get(key)
    }

    @discardableResult
    public func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]? {
        let result = Result { () throws(StorageError) -> [UInt8]? in
            switch takeWriteFault() {
            case nil: return try wrapped.update(key, transform)
            case .beforeApply: throw Self.injectedFault
            case .afterApply:
                try wrapped.update(key, transform)
                throw Self.injectedFault
            }
        }
        noteWrite(result)
        return try result.get()
    }

    public var count: Int { wrapped.count }

    public func scan(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [StorageRecord] {
        try checkRead()
        return try wrapped.scan(partition: partition, after: after, limit: limit)
    }

    public func digests(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [KeyDigest] {
        try checkRead()
        return try wrapped.digests(partition: partition, after: after, limit: limit)
    }

    public func get(_ key: StorageKey, completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        do throws(StorageError) {
            try checkRead()
        } catch {
            return completion(.failure(error))
        }
        wrapped.get(key, completion: completion)
    }

    public func scan(partition: UInt32, after: Key?, limit: Int,
                     completion: @escaping @Sendable (Result<[StorageRecord], StorageError>) -> Void) {
        do throws(StorageError) {
            try checkRead()
        } catch {
            return completion(.failure(error))
        }
        wrapped.scan(partition: partition, after: after, limit: limit, completion: completion)
    }

    public func update(_ key: StorageKey, _ transform: @escaping @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?,
                       completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        let fault = takeWriteFault()
        if fault == .beforeApply {
            let result = Result<[UInt8]?, StorageError>.failure(Self.injectedFault)
            noteWrite(result)
            return completion(result)
        }
        wrapped.update(key, transform) { [self] result in
            var final = result
            if fault == .afterApply, case .success = result { final = .failure(Self.injectedFault) }
            noteWrite(final)
            completion(final)
        }
    }

    public func metadata(_ name: String) throws(StorageError) -> [UInt8]? {
        try checkRead()
        return try wrapped.metadata(name)
    }

    public func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError) {
        let result = Result { () throws(StorageError) -> [UInt8]? in
            switch takeWriteFault() {
            case nil: try wrapped.setMetadata(name, value)
            case .beforeApply: throw Self.injectedFault
            case .afterApply:
                try wrapped.setMetadata(name, value)
                throw Self.injectedFault
            }
            return nil
        }
        noteWrite(result)
        _ = try result.get()
    }

    public var health: StorageHealth {
        if let message = state.withLock({ $0.faultMessage }) { return .writeFault(message) }
        return wrapped.health
    }

    public var engineFigures: [(name: String, value: UInt64)] { wrapped.engineFigures }

    public func checkpoint(to directory: String) throws(StorageError) { try wrapped.checkpoint(to: directory) }

    public var statistics: StorageStatistics {
        var statistics = wrapped.statistics
        statistics.writeFaults += state.withLock { $0.injected }
        return statistics
    }

    public func close() { wrapped.close() }
}

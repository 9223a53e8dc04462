/// YCSB's core workloads as operation mixes, and the operations they run.
///
/// Contract: proportions sum to 1; `defaultDistribution` is the request distribution YCSB's
/// workload file names (zipfian, latest for D).
struct YCSBWorkload: Sendable {
    enum Letter: String, CaseIterable, Sendable {
        case a, b, c, d, f
    }

    let letter: Letter
    let read: Double
    let update: Double
    let insert: Double
    let readModifyWrite: Double
    let defaultDistribution: KeyChooser.Distribution

    init(_ letter: Letter) {
        self.letter = letter
        switch letter {
        case .a: (read, update, insert, readModifyWrite, defaultDistribution) = (0.5, 0.5, 0, 0, .zipfian)
        case .b: (read, update, insert, readModifyWrite, defaultDistribution) = (0.95, 0.05, 0, 0, .zipfian)
        case .c: (read, update, insert, readModifyWrite, defaultDistribution) = (1, 0, 0, 0, .zipfian)
        case .d: (read, update, insert, readModifyWrite, defaultDistribution) = (0.95, 0, 0.05, 0, .latest)
        case .f: (read, update, insert, readModifyWrite, defaultDistribution) = (0.5, 0, 0, 0.5, .zipfian)
        }
    }

    var summary: String {
        [("read", read), ("update", update), ("insert", insert), ("read-modify-write", readModifyWrite)]
            .filter { $0.1 > 0 }.map { "\($0.0) \(Int(($0.1 * 100).rounded())) %" }.joined(separator: ", ")
    }

    /// The operation for a uniform draw `u` in [0, 1).
    func operation(_ u: Double) -> YCSBOperation {
        if u < read { return .read }
        if u < read + update { return .update }
        if u < read + update + insert { return .insert }
        return .readModifyWrite
    }
}

/// One YCSB operation kind (the report's names are YCSB's).
enum YCSBOperation: Int, CaseIterable, Sendable {
    case read, update, insert, readModifyWrite

    var name: String {
        switch self {
        case .read: "READ"
        case .update: "UPDATE"
        case .insert: "INSERT"
        case .readModifyWrite: "READ-MODIFY-WRITE"
        }
    }
}

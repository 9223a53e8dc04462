import GyreStorage
import Testing

struct SyncPolicyTests {
    @Test func parsesItsOwnForms() throws {
        #expect(try SyncPolicy(parsing: "always") == .always)
        #expect(try SyncPolicy(parsing: "none") == .none)
        #expect(try SyncPolicy(parsing: "interval:5") == .interval(milliseconds: 5))
        for policy in [SyncPolicy.always, .none, .interval(milliseconds: 60_000)] {
            #expect(try SyncPolicy(parsing: policy.description) == policy)
        }
    }

    @Test(arguments: ["", "Always", "interval", "interval:", "interval:0", "interval:-1", "interval:60001", "interval:5ms", "sometimes"])
    func refusesAnythingElseClearly(_ text: String) {
        #expect {
            try SyncPolicy(parsing: text)
        } throws: { error in
            "\(error)".contains("invalid sync policy \"\(text)\"") && "\(error)".contains("always, interval:MS")
        }
    }
}

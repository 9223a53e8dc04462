import Foundation
import Synchronization

/// A live progress line on standard error, once a second, when standard error is a terminal
/// (nothing otherwise, so logs and pipes stay clean).
///
/// Contract: ``stop()`` ends the line with a newline; the line reads the runner's counters only.
final class ProgressLine: Sendable {
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(label: String, completed: @escaping @Sendable () -> Int, failed: @escaping @Sendable () -> Int) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        let started = ContinuousClock.now
        task.withLock {
            $0 = Task {
                var last = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    let done = completed()
                    let elapsed = ContinuousClock.now - started
                    let line = "\r\(label): \(elapsed.components.seconds) s, \(done) ops, \(done - last) ops/s, \(failed()) failed   "
                    FileHandle.standardError.write(Data(line.utf8))
                    last = done
                }
            }
        }
    }

    func stop() {
        guard let task = task.withLock({ $0 }) else { return }
        task.cancel()
        FileHandle.standardError.write(Data("\n".utf8))
    }
}

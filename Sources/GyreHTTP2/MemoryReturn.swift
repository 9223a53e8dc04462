import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap memory back to the operating system after connections that held a lot of it
/// have closed.
///
/// Contract: thread-safe and cheap to call. glibc keeps freed memory in its arenas (a client that
/// never read its responses left ~2 GB resident after it disconnected); ``connectionReleased(heldBytes:)``
/// with a large enough amount schedules one `malloc_trim(0)` half a second later on a background
/// queue, so closes that come together share one trim (at most two a second). A no-op where
/// `malloc_trim` does not exist.
public enum MemoryReturn {
    /// Connections that held less than this at their peak do not ask for a trim.
    public static let threshold = 1 << 20

    private static let pending = Atomic<Bool>(false)

    /// glibc's `malloc_trim`, looked up at run time (`<malloc.h>` is not in the Glibc module).
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    public static func connectionReleased(heldBytes: Int) {
        guard heldBytes >= threshold else { return }
        guard pending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .milliseconds(500)) {
            pending.store(false, ordering: .releasing)
            _ = trim?(0)
        }
    }
}

/// The request pipeline's clock and timers: the one port through which it learns the time and
/// asks to be woken up. The node plugs in an event loop; the simulation its event queue.
///
/// Contract: thread-safe. `now()` is monotonic nanoseconds, the clock of every deadline the
/// pipeline sees. ``run(at:_:)`` runs `action` once, at `deadline` or just after (never before),
/// and is not cancelled (``CoordinatorTimers`` builds cancellable timers on it). ``afterPass(_:)``
/// runs `action` soon, after the work the caller is part of (the rest of the current event-loop
/// pass; in the simulation, the current instant after the current event): the batcher's
/// "end of this pass".
public protocol Scheduler: Sendable {
    func now() -> UInt64
    func run(at deadline: UInt64, _ action: @escaping @Sendable () -> Void)
    func afterPass(_ action: @escaping @Sendable () -> Void)
}

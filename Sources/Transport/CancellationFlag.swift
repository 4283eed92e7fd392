import Synchronization

/// Set once by a task's cancellation handler (any thread), read by the transfer it cancels.
final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// Marks the transfer as cancelled; it stops at libcurl's next progress check.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Whether `cancel()` was called.
    var isCancelled: Bool {
        cancelled.load(ordering: .acquiring)
    }
}

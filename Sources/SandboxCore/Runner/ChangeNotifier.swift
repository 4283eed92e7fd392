/// Wakes long-polls and the runner loop when the lane's state changes.
///
/// A waiter remembers the generation it last saw; `wait` returns at once if the generation has
/// moved on since, so a change between reading and waiting is never missed.
actor ChangeNotifier {
    private(set) var generation: UInt64 = 0
    private(set) var isShutDown = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter: UInt64 = 0

    /// Records a change and wakes every waiter.
    func signal() {
        generation &+= 1
        resumeAll()
    }

    /// Wakes every waiter and makes future waits return at once (graceful shutdown).
    func shutDown() {
        isShutDown = true
        resumeAll()
    }

    /// Waits until the generation passes `seen`, `timeout` elapses, shutdown, or cancellation.
    func wait(after seen: UInt64, timeout: Duration) async {
        guard generation == seen, !isShutDown, timeout > .zero else { return }
        let id = nextWaiter
        nextWaiter &+= 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.resume(id) }
        }
        timer.cancel()
    }

    private func resume(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.resume()
    }

    private func resumeAll() {
        let waiting = waiters.values
        waiters.removeAll()
        for continuation in waiting { continuation.resume() }
    }
}

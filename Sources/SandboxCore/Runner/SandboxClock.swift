/// The sandbox's clock: sandbox time runs `speed` times as fast as real time from an origin, and
/// can be moved forward at once (`/admin/clock`), never back.
///
/// Every simulated timestamp comes from here, so `--now`, `--speed` and explicit advances make
/// runs repeatable and tests fast.
struct SandboxClock: Sendable {
    /// The sandbox instant at which the clock started.
    let origin: Timestamp
    /// How many sandbox milliseconds pass per real millisecond.
    let speed: Double
    private let realOrigin: ContinuousClock.Instant
    /// Sandbox milliseconds added by explicit advances.
    private var advanced: Int64 = 0

    init(origin: Timestamp, speed: Double) {
        self.origin = origin
        self.speed = speed
        self.realOrigin = ContinuousClock.now
    }

    /// The current sandbox instant.
    func now() -> Timestamp {
        let elapsed = ContinuousClock.now - realOrigin
        let realMilliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return origin.adding(milliseconds: Int64(realMilliseconds * speed) + advanced)
    }

    /// Moves sandbox time forward by `milliseconds` at once.
    mutating func advance(by milliseconds: Int64) {
        advanced += milliseconds
    }

    /// How long, in real time, until the sandbox clock reads `instant`: zero when it has passed,
    /// at most an hour (a caller waiting that long looks again).
    func realDelay(until instant: Timestamp) -> Duration {
        let sandboxMilliseconds = instant.milliseconds - now().milliseconds
        guard sandboxMilliseconds > 0 else { return .zero }
        let microseconds = min((Double(sandboxMilliseconds) * 1000 / speed).rounded(.up), 3_600_000_000)
        return .microseconds(Int64(microseconds))
    }
}

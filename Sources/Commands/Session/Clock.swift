import FoundationEssentials

/// The session's notion of now. Tests and scenarios pin it; everything time-based reads it.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that always reads the same instant (from `ARS_NOW` or a test).
public struct FixedClock: WallClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}

/// A clock that starts at a given instant and runs at `rate` times real time: the sandbox lane's
/// clock, pinned to its scenario's reference time.
public struct OffsetClock: WallClock {
    public let start: Date
    public let rate: Double
    private let began = Date()

    public init(start: Date, rate: Double = 1) {
        self.start = start
        self.rate = rate
    }

    public func now() -> Date { start.addingTimeInterval(Date().timeIntervalSince(began) * rate) }
}

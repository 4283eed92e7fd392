import Foundation

/// The sandbox's AgentRun lane: every API operation and the simulated runner, serialized over one
/// SQLite connection. Each operation first lets the runner catch up with the sandbox clock, then
/// runs in one transaction, so a refused request changes nothing and readers never see half a
/// step.
actor SandboxLane {
    /// The meta key under which the latest sandbox instant written is kept.
    private static let clockKey = "clock.last"
    /// The meta key under which the real time (ms since 1970) of that instant is kept, so a
    /// later start knows how much time passed while no server ran.
    private static let wallKey = "clock.wall"

    let db: SandboxDatabase
    private(set) var clock: SandboxClock
    let notifier: ChangeNotifier
    /// The git-mirror cache the runner materializes bundles through (nil: invented commits only).
    let mirror: GitMirrorCache?
    private var simulation: Simulation { Simulation(db: db, mirror: mirror) }

    /// Opens (or creates) `DIR/sandbox.sqlite`. The clock starts at `origin` (default: now) but
    /// never before where the stored clock has got to by now: the last stored instant plus the
    /// real time passed since it was stored (at this speed). So a lane used by one-shot calls
    /// behaves as if it had kept running between them — the first tick replays every runner step
    /// that fell due meanwhile, at the instants it fell due.
    init(stateDirectory: URL, origin: Timestamp?, speed: Double, notifier: ChangeNotifier, mirror: GitMirrorCache? = nil) throws {
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let db = try SandboxDatabase(path: stateDirectory.appendingPathComponent("sandbox.sqlite").path)
        let stored = try db.meta(Self.clockKey).flatMap(Int64.init).map(Timestamp.init(milliseconds:))
        let wall = try db.meta(Self.wallKey).flatMap(Int64.init)
        let requested = origin ?? Timestamp(milliseconds: Self.realMilliseconds())
        var resumed = stored ?? requested
        if let stored, let wall {
            let away = Double(max(0, Self.realMilliseconds() - wall))
            resumed = stored.adding(milliseconds: Int64(min(away * speed, Double(Int64.max / 4))))
        }
        self.db = db
        self.clock = SandboxClock(origin: max(requested, resumed), speed: speed)
        self.notifier = notifier
        self.mirror = mirror
    }

    private static func realMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Stores the sandbox instant `now` with the real time it is now (inside a transaction).
    private func storeClock(_ now: Timestamp) throws {
        try db.setMeta(Self.clockKey, String(now.milliseconds))
        try db.setMeta(Self.wallKey, String(Self.realMilliseconds()))
    }

    /// The current sandbox instant.
    func now() -> Timestamp {
        clock.now()
    }

    /// Closes the database (after the server stopped).
    func close() {
        db.close()
    }

    // MARK: - Runner

    /// Applies every step due now and returns how long, in real time, until the next one (nil
    /// when no command is playing).
    func tick() async throws -> Duration? {
        if try catchUp(to: clock.now()) { await notifier.signal() }
        return try simulation.nextDue().map(clock.realDelay(until:))
    }

    /// Moves sandbox time forward by `milliseconds` and lets the runner catch up; returns the new
    /// sandbox time.
    func advanceClock(by milliseconds: Int64) async throws -> Timestamp {
        clock.advance(by: milliseconds)
        let now = clock.now()
        try db.transaction { try storeClock(now) }
        _ = try catchUp(to: now)
        await notifier.signal()
        return now
    }

    /// Lets the simulated runner catch up with `now`, in its own transaction (so a refused
    /// operation after it does not undo the runner's progress); returns whether anything changed.
    private func catchUp(to now: Timestamp) throws -> Bool {
        try db.transaction {
            let changed = try simulation.advance(to: now)
            if changed { try storeClock(now) }
            return changed
        }
    }

    // MARK: - Transactions for operations

    /// Runs a read after the runner caught up.
    func read<T>(_ body: (Timestamp) throws -> T) async throws -> T {
        try await perform(isChange: false, body)
    }

    /// Runs a change after the runner caught up, in one transaction, then wakes followers.
    func mutate<T>(_ body: (Timestamp) throws -> T) async throws -> T {
        try await perform(isChange: true, body)
    }

    /// Catching up and the operation run without a suspension point between them, so no other
    /// operation can slip in and every event is stamped in sandbox-time order. Followers are woken
    /// for the runner's progress even when the operation itself is refused.
    private func perform<T>(isChange: Bool, _ body: (Timestamp) throws -> T) async throws -> T {
        let now = clock.now()
        let advanced = try catchUp(to: now)
        let outcome = Result {
            try db.transaction {
                let result = try body(now)
                if isChange { try storeClock(now) }
                return result
            }
        }
        let changed = if case .success = outcome { isChange } else { false }
        if advanced || changed { await notifier.signal() }
        return try outcome.get()
    }
}

/// Reads of runs and their events, commands and runner jobs.
extension SandboxLane {
    // MARK: - Runs and events

    /// One page of runs, newest first.
    func runs(filter: ListFilter, page: PageRequest) async throws -> Page<Run> {
        try await read { _ in try db.list(Run.self, filter: filter, page: page) }
    }

    /// One run.
    func run(id: String) async throws -> Run {
        try await read { _ in try db.require(Run.self, id: id) }
    }

    /// Events of a run after `afterSeq`; `terminal` once the run has ended and every event has
    /// been returned.
    func events(runId: String, afterSeq: Int64, limit: Int) async throws -> StoredSeqPage {
        try await read { _ in
            let run = try db.require(Run.self, id: runId)
            let items = try db.eventDocuments(runId: runId, afterSeq: afterSeq, limit: limit)
            let next = items.last?.seq ?? afterSeq
            let last = try db.lastSeq(of: .events, id: runId)
            return StoredSeqPage(documents: items.map(\.doc), nextAfterSeq: next, terminal: run.status.isTerminal && next >= last)
        }
    }

    // MARK: - Commands and runner jobs

    /// One page of commands, newest first.
    func commands(filter: ListFilter, page: PageRequest) async throws -> Page<AgentCommand> {
        try await read { _ in try db.list(AgentCommand.self, filter: filter, page: page) }
    }

    /// One command.
    func command(id: String) async throws -> AgentCommand {
        try await read { _ in try db.require(AgentCommand.self, id: id) }
    }

    /// One page of runner jobs, newest first.
    func runnerJobs(filter: ListFilter, page: PageRequest) async throws -> Page<RunnerJob> {
        try await read { _ in try db.list(RunnerJob.self, filter: filter, page: page) }
    }

    /// One runner job.
    func runnerJob(id: String) async throws -> RunnerJob {
        try await read { _ in try db.require(RunnerJob.self, id: id) }
    }
}

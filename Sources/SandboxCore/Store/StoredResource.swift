/// The resource tables, and the kind name each one reports in a 404.
enum ResourceTable: String, Sendable {
    case tasks, runs, sessions, commands
    case runnerJobs = "runner_jobs"

    /// The kind as the contract names it in `details.kind`.
    var kind: String {
        switch self {
        case .tasks: "task"
        case .runs: "run"
        case .sessions: "session"
        case .commands: "command"
        case .runnerJobs: "runnerjob"
        }
    }
}

/// The columns a list can filter on; a resource fills those that apply to it.
struct IndexedColumns: Sendable {
    var taskId: String? = nil
    var name: String? = nil
    var status: String? = nil
    var kind: String? = nil
    var aipod: String? = nil
}

/// A resource kept as a JSON document in one of the resource tables.
protocol StoredResource: Codable, Sendable {
    static var table: ResourceTable { get }
    var id: String { get }
    var indexed: IndexedColumns { get }
}

extension AgentTask: StoredResource {
    static var table: ResourceTable { .tasks }
    var indexed: IndexedColumns { IndexedColumns(name: name, status: status.rawValue, aipod: aipod) }
}

extension Run: StoredResource {
    static var table: ResourceTable { .runs }
    var indexed: IndexedColumns { IndexedColumns(taskId: taskId, status: status.rawValue) }
}

extension Session: StoredResource {
    static var table: ResourceTable { .sessions }
    var indexed: IndexedColumns { IndexedColumns(taskId: taskId, status: liveness.phase.rawValue) }
}

extension AgentCommand: StoredResource {
    static var table: ResourceTable { .commands }
    var indexed: IndexedColumns { IndexedColumns(taskId: taskId, status: status.rawValue, kind: kind.rawValue) }
}

extension RunnerJob: StoredResource {
    static var table: ResourceTable { .runnerJobs }
    var indexed: IndexedColumns { IndexedColumns(taskId: taskId, status: status.rawValue) }
}

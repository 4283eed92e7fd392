/// The SQLite schema of `sandbox.sqlite`, version 1.
///
/// Resources are stored as their JSON documents (`doc`) beside the columns that lists filter and
/// order on; `ordinal` gives creation order for newest-first paging. `turn_progress` holds the
/// simulated runner's position in each active command's script, so a restarted sandbox resumes
/// where it stopped.
enum Schema {
    static let version = 1

    static let statements = """
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS counters (
            prefix TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS tasks (
            ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_id TEXT,
            name TEXT UNIQUE,
            status TEXT,
            kind TEXT,
            aipod TEXT,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS task_labels (
            task_id TEXT NOT NULL REFERENCES tasks(id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (task_id, key)
        );
        CREATE TABLE IF NOT EXISTS runs (
            ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_id TEXT,
            name TEXT,
            status TEXT,
            kind TEXT,
            aipod TEXT,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sessions (
            ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_id TEXT,
            name TEXT,
            status TEXT,
            kind TEXT,
            aipod TEXT,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS commands (
            ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_id TEXT,
            name TEXT,
            status TEXT,
            kind TEXT,
            aipod TEXT,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS runner_jobs (
            ordinal INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            task_id TEXT,
            name TEXT,
            status TEXT,
            kind TEXT,
            aipod TEXT,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS events (
            run_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
        CREATE TABLE IF NOT EXISTS logs (
            session_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        );
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            key TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            task_id TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS turn_progress (
            command_id TEXT PRIMARY KEY,
            started_at INTEGER NOT NULL,
            next_step INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS runs_by_task ON runs(task_id);
        CREATE INDEX IF NOT EXISTS sessions_by_task ON sessions(task_id);
        CREATE INDEX IF NOT EXISTS commands_by_task ON commands(task_id);
        CREATE INDEX IF NOT EXISTS runner_jobs_by_task ON runner_jobs(task_id);
        """
}

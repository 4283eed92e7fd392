import Foundation

/// The cluster's persistence: `<state>/kube.sqlite`, one row per object (its JSON document beside
/// the columns lookups use), the global resourceVersion counter, the log of changes watches
/// replay, the simulation's timers, and the identity of the scenario the objects were seeded from.
///
/// Confined to its owner (`KubeCluster`); values always travel as bound parameters.
final class KubeStore {
    /// Bump when the stored layout changes: older state is then reseeded.
    static let format = "1"

    private let connection: SQLiteConnection

    private static let schema = """
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS objects (
            uid TEXT PRIMARY KEY,
            api_version TEXT NOT NULL,
            kind TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            doc TEXT NOT NULL,
            UNIQUE (api_version, kind, namespace, name)
        );
        CREATE TABLE IF NOT EXISTS changes (
            rv INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            api_version TEXT NOT NULL,
            kind TEXT NOT NULL,
            namespace TEXT NOT NULL,
            doc TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS timers (
            uid TEXT NOT NULL,
            purpose TEXT NOT NULL,
            due INTEGER NOT NULL,
            step INTEGER NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (uid, purpose)
        );
        """

    /// Opens `path`; when it holds nothing or another scenario's objects, seeds it from `scenario`
    /// with `seedTime` as the time of anything the scenario leaves undated.
    init(path: String, scenario: KubeScenario, seedTime: Timestamp) throws {
        connection = try SQLiteConnection(path: path)
        try connection.execute(Self.schema)
        try connection.transaction {
            if try meta("scenario") != scenario.identity || meta("format") != Self.format {
                try seed(scenario, at: seedTime)
            }
        }
    }

    func close() {
        connection.close()
    }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(body)
    }

    /// The latest sandbox instant a write was stamped with (a restart never starts before it).
    var lastClock: Timestamp? {
        get throws { try meta("clock.last").flatMap(Int64.init).map(Timestamp.init(milliseconds:)) }
    }

    func noteClock(_ instant: Timestamp) throws {
        if let last = try lastClock, last >= instant { return }
        try setMeta("clock.last", String(instant.milliseconds))
    }

    // MARK: - Seeding

    private func seed(_ scenario: KubeScenario, at seedTime: Timestamp) throws {
        for table in ["objects", "changes", "timers", "meta"] { try connection.query("DELETE FROM \(table)") }
        var objects = scenario.objects
        var highest: Int64 = 0
        for object in objects { highest = max(highest, object[path: ["metadata", "resourceVersion"]]?.integerValue ?? 0) }
        var counter = highest
        let seedStamp = KubeTime.format(seedTime)
        for index in objects.indices {
            if objects[index][path: ["metadata", "resourceVersion"]]?.stringValue == nil {
                counter += 1
                objects[index][path: ["metadata", "resourceVersion"]] = .string(String(counter))
            }
            if objects[index][path: ["metadata", "creationTimestamp"]] == nil {
                objects[index][path: ["metadata", "creationTimestamp"]] = .string(seedStamp)
            }
        }
        objects += Self.impliedNamespaces(for: objects, seedStamp: seedStamp)
        for object in objects { try insert(object) }
        try setMeta("resourceVersion", String(counter))
        try setMeta("seededResourceVersion", String(counter))
        try setMeta("scenario", scenario.identity)
        try setMeta("format", Self.format)
        try setMeta("seededAt", String(seedTime.milliseconds))
        for object in objects where object.string("kind") == "Application" {
            if object[path: ["metadata", "annotations", KubeSimulation.refreshAnnotation]] != nil,
                let uid = object.string("metadata", "uid")
            {
                try setTimer(
                    uid: uid, purpose: KubeSimulation.refreshTimer, due: seedTime.adding(milliseconds: KubeSimulation.refreshDelay))
            }
        }
    }

    /// A Namespace for every namespace the objects use (and the ones every cluster has), unless the
    /// scenario brings its own; dated by the oldest object in it.
    private static func impliedNamespaces(for objects: [KubeJSON], seedStamp: String) -> [KubeJSON] {
        var oldest: [String: String] = [:]
        var declared: Set<String> = []
        for object in objects {
            if object.string("kind") == "Namespace", let name = object.string("metadata", "name") { declared.insert(name) }
            guard let namespace = object.string("metadata", "namespace") else { continue }
            let created = object.string("metadata", "creationTimestamp") ?? seedStamp
            oldest[namespace] = min(oldest[namespace] ?? created, created)
        }
        let clusterBirth = oldest.values.min() ?? seedStamp
        for builtin in ["default", "kube-node-lease", "kube-public", "kube-system"] where oldest[builtin] == nil {
            oldest[builtin] = clusterBirth
        }
        return oldest.keys.sorted().filter { !declared.contains($0) }.enumerated().map { index, name in
            .object([
                "apiVersion": .string("v1"), "kind": .string("Namespace"),
                "metadata": .object([
                    "name": .string(name), "uid": .string(KubeIdentity.uid("namespace/\(name)")),
                    "resourceVersion": .string(String(index + 1)), "creationTimestamp": .string(oldest[name] ?? clusterBirth),
                    "labels": .object(["kubernetes.io/metadata.name": .string(name)]),
                ]),
                "spec": .object(["finalizers": .array([.string("kubernetes")])]),
                "status": .object(["phase": .string("Active")]),
            ])
        }
    }

    // MARK: - Objects

    /// The object of `resource` named `name` (in `namespace` for namespaced kinds).
    func fetch(_ resource: KubeResource, namespace: String?, name: String) throws -> KubeJSON? {
        try connection.query(
            "SELECT doc FROM objects WHERE api_version = ? AND kind = ? AND namespace = ? AND name = ?",
            [.text(resource.apiVersion), .text(resource.kind), .text(namespace ?? ""), .text(name)]
        ).first.map(decode)
    }

    /// The object with this uid, whatever its kind.
    func fetch(uid: String) throws -> KubeJSON? {
        try connection.query("SELECT doc FROM objects WHERE uid = ?", [.text(uid)]).first.map(decode)
    }

    /// Every object of `resource` (in `namespace` when given), ordered by namespace, then name.
    func list(_ resource: KubeResource, namespace: String?) throws -> [KubeJSON] {
        if let namespace {
            return try connection.query(
                "SELECT doc FROM objects WHERE api_version = ? AND kind = ? AND namespace = ? ORDER BY namespace, name",
                [.text(resource.apiVersion), .text(resource.kind), .text(namespace)]
            ).map(decode)
        }
        return try connection.query(
            "SELECT doc FROM objects WHERE api_version = ? AND kind = ? ORDER BY namespace, name",
            [.text(resource.apiVersion), .text(resource.kind)]
        ).map(decode)
    }

    /// Every object of every kind (for the garbage collector's walk).
    func all() throws -> [KubeJSON] {
        try connection.query("SELECT doc FROM objects ORDER BY api_version, kind, namespace, name").map(decode)
    }

    /// Inserts or replaces the object (by uid).
    func insert(_ object: KubeJSON) throws {
        guard let uid = object.string("metadata", "uid"), let name = object.string("metadata", "name") else {
            throw KubeStatus.internal("an object without uid or name cannot be stored")
        }
        try connection.query(
            "INSERT OR REPLACE INTO objects (uid, api_version, kind, namespace, name, doc) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(uid), .text(object.string("apiVersion") ?? ""), .text(object.string("kind") ?? ""),
                .text(object.string("metadata", "namespace") ?? ""), .text(name), .text(object.text),
            ])
    }

    func exists(uid: String) throws -> Bool {
        try !connection.query("SELECT 1 AS found FROM objects WHERE uid = ?", [.text(uid)]).isEmpty
    }

    // MARK: - Changes (for watches)

    /// How many changes the log keeps; a watch from before them starts over (410 Gone).
    static let changeRetention: Int64 = 20_000

    /// Appends a change (`ADDED`, `MODIFIED`, `DELETED`) under the object's resourceVersion.
    func recordChange(_ type: String, _ object: KubeJSON) throws {
        guard let rv = object[path: ["metadata", "resourceVersion"]]?.integerValue else { return }
        try connection.query(
            "INSERT OR REPLACE INTO changes (rv, type, api_version, kind, namespace, doc) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .integer(rv), .text(type), .text(object.string("apiVersion") ?? ""), .text(object.string("kind") ?? ""),
                .text(object.string("metadata", "namespace") ?? ""), .text(object.text),
            ])
        if rv % 1000 == 0 { try connection.query("DELETE FROM changes WHERE rv <= ?", [.integer(rv - Self.changeRetention)]) }
    }

    /// Changes to objects of `resource` (in `namespace` when given) after resourceVersion `after`, oldest first.
    func changes(after: Int64, _ resource: KubeResource, namespace: String?) throws -> [(type: String, object: KubeJSON)] {
        var sql = "SELECT type, doc FROM changes WHERE rv > ? AND api_version = ? AND kind = ?"
        var parameters: [SQLiteValue] = [.integer(after), .text(resource.apiVersion), .text(resource.kind)]
        if let namespace {
            sql += " AND namespace = ?"
            parameters.append(.text(namespace))
        }
        return try connection.query(sql + " ORDER BY rv", parameters).map { row in (row["type"].text ?? "MODIFIED", try decode(row)) }
    }

    /// The oldest resourceVersion a watch can still start after: the seed, or just before the
    /// oldest change the log still holds.
    func oldestWatchable() throws -> Int64 {
        let seeded = try meta("seededResourceVersion").flatMap(Int64.init) ?? 0
        guard let oldest = try connection.query("SELECT min(rv) AS oldest FROM changes").first?["oldest"].integer else { return seeded }
        return max(seeded, oldest - 1)
    }

    func delete(uid: String) throws {
        try connection.query("DELETE FROM objects WHERE uid = ?", [.text(uid)])
        try connection.query("DELETE FROM timers WHERE uid = ?", [.text(uid)])
    }

    /// The next value of the global resourceVersion counter.
    func nextResourceVersion() throws -> String {
        let next = (try meta("resourceVersion").flatMap(Int64.init) ?? 0) + 1
        try setMeta("resourceVersion", String(next))
        return String(next)
    }

    /// The current value of the counter (list responses carry it).
    func currentResourceVersion() throws -> String {
        try meta("resourceVersion") ?? "0"
    }

    // MARK: - Timers

    struct Timer: Sendable {
        let uid: String
        let purpose: String
        let due: Timestamp
        let step: Int
        let detail: String
    }

    func setTimer(uid: String, purpose: String, due: Timestamp, step: Int = 0, detail: String = "") throws {
        try connection.query(
            "INSERT OR REPLACE INTO timers (uid, purpose, due, step, detail) VALUES (?, ?, ?, ?, ?)",
            [.text(uid), .text(purpose), .integer(due.milliseconds), SQLiteValue(step), .text(detail)])
    }

    func removeTimer(uid: String, purpose: String) throws {
        try connection.query("DELETE FROM timers WHERE uid = ? AND purpose = ?", [.text(uid), .text(purpose)])
    }

    func timer(uid: String, purpose: String) throws -> Timer? {
        try connection.query("SELECT * FROM timers WHERE uid = ? AND purpose = ?", [.text(uid), .text(purpose)]).first.flatMap(Self.timer)
    }

    /// The earliest timer due at or before `instant`.
    func nextTimer(dueBy instant: Timestamp) throws -> Timer? {
        try connection.query(
            "SELECT * FROM timers WHERE due <= ? ORDER BY due, uid, purpose LIMIT 1", [.integer(instant.milliseconds)]
        ).first.flatMap(Self.timer)
    }

    /// The earliest due instant of the timers whose purpose is not one of `purposes`.
    func earliestDue(excluding purposes: [String]) throws -> Timestamp? {
        let placeholders = purposes.map { _ in "?" }.joined(separator: ", ")
        let sql = "SELECT min(due) AS due FROM timers" + (purposes.isEmpty ? "" : " WHERE purpose NOT IN (\(placeholders))")
        return try connection.query(sql, purposes.map { .text($0) }).first?["due"].integer.map(Timestamp.init(milliseconds:))
    }

    private static func timer(_ row: SQLiteRow) -> Timer? {
        guard let uid = row["uid"].text, let purpose = row["purpose"].text, let due = row["due"].integer, let step = row["step"].integer
        else {
            return nil
        }
        return Timer(uid: uid, purpose: purpose, due: Timestamp(milliseconds: due), step: Int(step), detail: row["detail"].text ?? "")
    }

    // MARK: - Meta

    func meta(_ key: String) throws -> String? {
        try connection.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?["value"].text
    }

    func setMeta(_ key: String, _ value: String) throws {
        try connection.query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
    }

    private func decode(_ row: SQLiteRow) throws -> KubeJSON {
        guard let text = row["doc"].text else { throw KubeStatus.internal("a stored object is missing its document") }
        do {
            return try KubeJSON(parsing: text)
        } catch {
            throw KubeStatus.internal("a stored object does not parse: \(error)")
        }
    }
}

/// Kubernetes timestamps: RFC 3339, UTC, whole seconds.
enum KubeTime {
    static func format(_ instant: Timestamp) -> String {
        String(instant.description.prefix(19)) + "Z"
    }

    static func parse(_ text: String?) -> Timestamp? {
        text.flatMap(Timestamp.init(rfc3339:))
    }
}

import Commands
import Foundation
import Testing

/// `ars --sandbox --import-run FILE`: a published trace (JSON Lines) replays through the shell.
@Suite(.serialized) struct TraceImportTests {
    func lane() throws -> ClusterLane { try ClusterLane() }

    @Test("an imported 10 000-event trace renders every row, -o json gives back the file's events, result takes the final answer")
    func tenThousandEvents() throws {
        let lane = try lane()
        let trace = lane.home + "/trace.jsonl"
        let made = try runProcess([repositoryRoot + "/scripts/make-trace", "10000", trace], environment: ["PATH": "/usr/bin:/bin"])
        #expect(made.status == 0, "\(made.stderr)")
        let tasks = try lane.json(["--import-run", trace, "get", "tasks"]).value
        let task = try #require(tasks["items"]?.arrayValue?.first { $0["aipod"] == "imported" })
        #expect(task["status"] == "succeeded")
        let run = try #require(task["runId"]?.stringValue)
        #expect(run.hasPrefix("run_") && run.count == 36)

        let human = try lane.ars(["events", "run/\(run)"])
        #expect(human.status == 0, "\(human.stderr)")
        let rows = human.stdout.split(separator: "\n").filter { $0.range(of: #"^\s*\d+\s{3}"#, options: .regularExpression) != nil }
        #expect(rows.count == 10_000)
        // A read longer than a page prints page by page: one header, and where to go on from.
        #expect(human.stdout.components(separatedBy: "   seq   time").count == 2, "one header")
        #expect(human.stdout.contains("--after-seq 10000"), "\(human.stdout.suffix(300))")
        #expect(human.stdout.contains("检查代理环境变量"), "Chinese prose renders")

        let json = try lane.ars(["events", "run/\(run)", "-o", "json"])
        let items = try #require(try JSON.decode(json.stdout)["items"]?.arrayValue)
        let file = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        #expect(items.count == file.count)
        // Compared as JSON documents (key order and 0 vs 0.0 do not matter).
        func document(_ value: Value?) throws -> NSObject {
            try JSONSerialization.jsonObject(with: Data(JSON.encode(value ?? .null).utf8), options: .fragmentsAllowed) as! NSObject
        }
        for (item, line) in zip(items, file) {
            #expect(item["seq"] == line["seq"] && item["type"] == line["type"])
            #expect(try document(item["data"]).isEqual(try document(line["data"])), "seq \(line["seq"] ?? .null)")
        }

        // The final answer is the assistant message marked final, though a heartbeat and the
        // terminal event come after it; importing the same file again changes nothing.
        let result = try lane.json(["--import-run", trace, "result", "task/\(task["id"]!.stringValue!)"]).value
        #expect(result["finalResponse"]?.stringValue?.hasPrefix("结论：codeload.github.com 返回 HTTP 200") == true, "\(result)")
        #expect(try lane.json(["get", "tasks"]).value["items"]?.arrayValue?.filter { $0["aipod"] == "imported" }.count == 1)
    }

    @Test("both spellings of cancelled end a trace as cancelled; a bad line stops the start at file:line")
    func spellingsAndErrors() throws {
        let lane = try lane()
        let cancelled = lane.home + "/cancelled.jsonl"
        try """
        {"type": "run:created", "at": "2025-11-18T09:00:00Z", "data": {}}
        {"type": "assistant-message", "at": "2025-11-18T09:00:02Z", "data": {"text": "正在检查", "final": false}}
        {"type": "turn/interrupt completed", "at": "2025-11-18T09:00:01Z", "data": {}}
        {"type": "cancel:canceled", "time": 1763456405000, "reason": "operator"}

        """.write(toFile: cancelled, atomically: true, encoding: .utf8)
        let tasks = try lane.json(["--import-run", cancelled, "get", "tasks"]).value
        let task = try #require(tasks["items"]?.arrayValue?.first { $0["aipod"] == "imported" })
        #expect(task["status"] == "cancelled")
        let events = try lane.json(["events", "run/\(task["runId"]!.stringValue!)"]).value["items"]?.arrayValue ?? []
        #expect(events.map { $0["seq"]?.intValue ?? 0 } == [1, 2, 3, 4], "seq assigned in file order")
        #expect(events.last?.lookup("data.reason") == "operator", "a line without data keeps its other fields as data")

        let bad = lane.home + "/bad.jsonl"
        try "{\"type\": \"run:created\", \"at\": \"2025-11-18T09:00:00Z\"}\n{\"type\": \"x\"}\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let refused = try lane.ars(["--import-run", bad, "get", "tasks"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("bad.jsonl:2:1: the event has no time"), "\(refused.stderr)")
        #expect(refused.stderr.contains("the sandbox did not start"))
    }
}

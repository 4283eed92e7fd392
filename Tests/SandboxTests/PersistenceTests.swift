import Foundation
import Testing

/// State lives in `DIR/sandbox.sqlite` and survives a restart; the runner resumes where it was.
@Suite("Persistence")
struct PersistenceTests {
    @Test("stop with SIGTERM, start on the same folder: everything is there and a running turn finishes")
    func restart() async throws {
        let first = try await SandboxInstance()
        let client = SandboxClient(instance: first)
        let (done, doneEvents) = try await client.runToEnd("persist me, 请保留", labels: ["keep": "yes"])
        let waiting = try await client.createTask("still created")
        let running = try await client.startTask("survive the restart\n@sandbox turns-ms=3600000")
        let runId = try #require(running["runId"].string)
        let before = try await client.follow(run: runId) { $0["type"].string == "backend-turn-started" }
        #expect(await first.stop() == 0, "SIGTERM shuts down cleanly")
        #expect(FileManager.default.fileExists(atPath: first.stateDirectory.appendingPathComponent("sandbox.sqlite").path))

        let second = try await SandboxInstance(stateDirectory: first.stateDirectory, speed: 100_000)
        let again = SandboxClient(instance: second)
        do {
            let reloaded = try await again.data("/tasks/\(done["id"].string ?? "")")
            #expect(reloaded == done)
            #expect(try await again.data("/runs/\(done["runId"].string ?? "")/events?limit=200")["items"].array == doneEvents)
            #expect(try await again.data("/tasks/\(waiting["id"].string ?? "")")["status"].string == "created")
            #expect(try await again.data("/tasks?label=keep=yes")["items"].array.count == 1)

            let events = try await again.follow(run: runId, afterSeq: before.count)
            let all = before + events
            #expect(all.compactMap { $0["seq"].int } == Array(1...all.count), "the stream continues without gap or repeat")
            #expect(all.last?["type"].string == "terminal:succeeded")
            let stamps = all.compactMap { $0["at"].string }
            #expect(stamps == stamps.sorted(), "the sandbox clock never runs backwards across a restart")

            let known = try await again.data("/tasks")["items"].array.compactMap { $0["id"].string }
            let next = try await again.createTask("after restart")
            let id = try #require(next["id"].string)
            #expect(known.count == 3 && !known.contains(id), "ids continue: \(id) is none of \(known)")
        } catch {
            _ = await second.stop()
            throw error
        }
        #expect(await second.stop() == 0)
        try? FileManager.default.removeItem(at: second.stateDirectory)
    }
}

import Foundation
import Testing

/// `limit` + `cursor` on lists (newest first), `afterSeq` + `limit` on events and logs.
@Suite("Pagination")
struct PaginationTests {
    @Test("task pages: newest first, exact boundaries, no duplicates, null cursor at the end")
    func taskPages() async throws {
        try await withSandbox { sandbox in
            var ids: [String] = []
            for index in 1...5 {
                ids.append(try #require(try await sandbox.createTask("task \(index)", labels: ["batch": "p1"])["id"].string))
            }
            _ = try await sandbox.createTask("not in the batch", labels: ["batch": "other"])

            var seen: [String] = []
            var cursor: String?
            var sizes: [Int] = []
            repeat {
                let path = "/tasks?label=batch=p1&limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await sandbox.data(path)
                sizes.append(page["items"].array.count)
                seen += page["items"].array.compactMap { $0["id"].string }
                cursor = page["nextCursor"].string
                if cursor == nil { #expect(page["nextCursor"].isNull, "the last page says null, not absent") }
            } while cursor != nil
            #expect(sizes == [2, 2, 1])
            #expect(seen == ids.reversed())

            let exact = try await sandbox.data("/tasks?label=batch=p1&limit=5")
            #expect(exact["items"].array.count == 5)
            #expect(exact["nextCursor"].isNull, "a page that ends exactly at the last item has no next cursor")
            let all = try await sandbox.data("/tasks?limit=200")
            #expect(all["items"].array.count == 6)
            let defaultPage = try await sandbox.data("/tasks")
            #expect(defaultPage["items"].array.count == 6)
        }
    }

    @Test("filters: status, aipod, label, taskId, kind")
    func filters() async throws {
        try await withSandbox { sandbox in
            let (done, _) = try await sandbox.runToEnd("finish me", labels: ["lane": "f"])
            _ = try await sandbox.createTask("stay created", aipod: "Scout", labels: ["lane": "f"])
            let succeeded = try await sandbox.data("/tasks?status=succeeded")
            #expect(succeeded["items"].array.compactMap { $0["id"].string } == [done["id"].string].compactMap { $0 })
            let scouts = try await sandbox.data("/tasks?aipod=Scout&label=lane=f")
            #expect(scouts["items"].array.count == 1)
            #expect(scouts["items"][0]["aipod"].string == "Scout")

            let taskId = try #require(done["id"].string)
            let runs = try await sandbox.data("/runs?taskId=\(taskId)&status=succeeded")
            #expect(runs["items"].array.compactMap { $0["id"].string } == [done["runId"].string].compactMap { $0 })
            let sessions = try await sandbox.data("/sessions?taskId=\(taskId)")
            #expect(sessions["items"].array.compactMap { $0["id"].string } == [done["sessionId"].string].compactMap { $0 })
            let turns = try await sandbox.data("/commands?taskId=\(taskId)&kind=turn")
            #expect(turns["items"].array.count == 1)
            #expect(try await sandbox.data("/commands?taskId=\(taskId)&kind=steer")["items"].array.isEmpty)
            #expect(try await sandbox.data("/commands?taskId=\(taskId)&status=succeeded")["items"].array.count == 1)
            #expect(try await sandbox.data("/commands?taskId=\(taskId)&status=running")["items"].array.isEmpty)
            let jobs = try await sandbox.data("/runnerjobs?taskId=\(taskId)")
            #expect(jobs["items"].array.compactMap { $0["id"].string } == [done["runnerJobId"].string].compactMap { $0 })
        }
    }

    @Test(
        "bad paging values are 400s naming the field",
        arguments: [
            ("/tasks?limit=0", "limit"), ("/tasks?limit=201", "limit"), ("/tasks?limit=ten", "limit"),
            ("/tasks?cursor=not-a-cursor", "cursor"), ("/tasks?status=done", "status"), ("/tasks?label=nokey", "label"),
            ("/commands?kind=poke", "kind"), ("/runs?status=paused", "status"),
        ])
    func badQuery(path: String, field: String) async throws {
        try await withSandbox { sandbox in
            let reply = try await sandbox.get(path)
            #expect(reply.status == 400)
            #expect(reply.json["error"]["code"].string == "bad-request")
            #expect(reply.json["error"]["details"]["field"].string == field)
        }
    }

    @Test("events page by afterSeq: pages join into the whole stream; past the end is empty")
    func eventPages() async throws {
        try await withSandbox { sandbox in
            let (task, all) = try await sandbox.runToEnd("page my events")
            let runId = try #require(task["runId"].string)
            var joined: [JSON] = []
            var after = 0
            while true {
                let page = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(after)&limit=7")
                let items = page["items"].array
                #expect(items.count <= 7)
                joined += items
                #expect(page["nextAfterSeq"].int == (items.last?["seq"].int ?? after))
                after = page["nextAfterSeq"].int ?? after
                #expect(page["terminal"].bool == (after == all.count), "terminal only once every event was returned")
                if items.isEmpty { break }
            }
            #expect(joined == all)
            let beyond = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(all.count + 10)")
            #expect(beyond["items"].array.isEmpty)
            #expect(beyond["nextAfterSeq"].int == all.count + 10)
            let bad = try await sandbox.get("/runs/\(runId)/events?afterSeq=-1")
            #expect(bad.status == 400 && bad.json["error"]["details"]["field"].string == "afterSeq")
        }
    }

    @Test("logs page by afterSeq the same way")
    func logPages() async throws {
        try await withSandbox { sandbox in
            let (task, _) = try await sandbox.runToEnd("page my logs")
            let sessionId = try #require(task["sessionId"].string)
            let all = try await sandbox.data("/sessions/\(sessionId)/logs?limit=200")["items"].array
            let first = try await sandbox.data("/sessions/\(sessionId)/logs?limit=3")
            #expect(first["items"].array == Array(all.prefix(3)))
            #expect(first["terminal"] == .bool(false))
            let rest = try await sandbox.data("/sessions/\(sessionId)/logs?afterSeq=3&limit=200")
            #expect(first["items"].array + rest["items"].array == all)
            #expect(rest["terminal"] == .bool(true))
        }
    }
}

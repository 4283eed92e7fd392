import Foundation
import Testing

@testable import SandboxCore

@Suite("Event pages served from the stored documents")
struct StreamPageTests {
    @Test("a page of stored documents is byte for byte the envelope of the decoded page")
    func storedPageMatchesEncodedPage() throws {
        let events = [
            RunEvent(
                seq: 7, runId: "run_1", type: "tool_call", at: Timestamp(milliseconds: 1_763_456_400_000), commandId: "cmd_1",
                data: .object(["name": .string("bash"), "args": .array([.string("ls /tmp"), .number(3)]), "ok": .bool(true)])),
            RunEvent(
                seq: 8, runId: "run_1", type: "message", at: Timestamp(milliseconds: 1_763_456_400_250),
                data: .object(["text": .string("派发 \"quoted\" / slash\n"), "none": .null])),
        ]
        let documents = try events.map { String(decoding: try JSONCoding.encoder.encode($0), as: UTF8.self) }
        for terminal in [false, true] {
            let stored = StoredSeqPage(documents: documents, nextAfterSeq: 8, terminal: terminal)
            let decoded = SeqPage(items: events, nextAfterSeq: 8, terminal: terminal)
            let raw = try stored.envelope(requestId: "req_\"x\"")
            let encoded = try decoded.envelope(requestId: "req_\"x\"")
            #expect(String(buffer: raw) == String(buffer: encoded))
        }
        let empty = try StoredSeqPage(documents: [], nextAfterSeq: 3, terminal: true).envelope(requestId: "r")
        let emptyEncoded = try SeqPage<RunEvent>(items: [], nextAfterSeq: 3, terminal: true).envelope(requestId: "r")
        #expect(String(buffer: empty) == String(buffer: emptyEncoded))
    }
}

import Commands
import FoundationEssentials

/// Closeout evidence from a script run: `evidence.json` for machines and `evidence.md` to paste
/// into an AgentRun issue comment (Chinese prose by default; identifiers stay as they are).
public enum EvidenceReport {
    public enum Language: String, Sendable, CaseIterable { case zh, en }

    // MARK: - JSON

    public static func json(_ result: ScriptResult) -> Value {
        let evidence = document(result)
        // A script that moved between lanes (`use lane`) names every lane it acted on.
        guard result.lanes.count > 1, case .object(var object) = evidence else { return evidence }
        object["lanes"] = .array(result.lanes.map { .string($0.qualifiedName) })
        return .object(object)
    }

    private static func document(_ result: ScriptResult) -> Value {
        .object([
            "apiVersion": "ars/v1",
            "kind": "Evidence",
            "script": .object([
                "file": .string(result.script.file), "sha256": .string(SHA256.hex(result.script.text)),
                "params": .object(Object(result.params.map { ($0.0, $0.1) })),
            ]),
            "ars": .object(["version": .string(ArsVersion.current)]),
            "lane": result.lane.map { lane in
                .object([
                    "node": .string(lane.node), "lane": .string(lane.name), "baseUrl": .string(lane.restBaseURL),
                    "namespace": .string(lane.namespace),
                ])
            } ?? .null,
            "startedAt": .string(timestamp(result.startedAt)),
            "finishedAt": .string(timestamp(result.finishedAt)),
            "status": .string(verdict(result)),
            "exitCode": .int(Int(result.status)),
            "statements": .array(result.statements.map(statement)),
            "assertions": .array(
                result.assertions.map { assertion in
                    .object([
                        "location": .string(assertion.location.description), "expression": .string(assertion.expression),
                        "message": .optional(assertion.message), "holds": .bool(assertion.holds),
                        "actual": assertion.actual ?? .null, "expected": assertion.expected ?? .null,
                        "comparison": .optional(assertion.comparison), "require": .bool(assertion.isRequire),
                    ])
                }),
            "evidence": .array(
                result.evidence.map { item in
                    .object(["title": .string(item.title), "location": .string(item.location.description), "value": item.value])
                }),
            "failure": result.failure.map { failure in
                .object([
                    "code": .string(failure.code.rawValue), "message": .string(failure.message),
                    "location": .optional(failure.location?.description),
                ])
            } ?? .null,
            "valuesPrinted": false,
        ])
    }

    /// One statement record; a failed check carries the command's whole value.
    private static func statement(_ record: StatementRecord) -> Value {
        var object = Object([
            ("location", .string(record.location.description)), ("kind", .string(record.kind.rawValue)), ("line", .string(record.line)),
            ("status", .string(record.status.rawValue)), ("durationMs", .int(Int((record.duration * 1000).rounded()))),
            ("exitCode", .int(Int(record.exitCode))), ("keyFields", record.keyFields),
        ])
        object["attempts"] = record.attempts.map { .int($0) } ?? .null
        object["error"] = .optional(record.error)
        object["failedOutput"] = record.failedOutput ?? .null
        return .object(object)
    }

    /// `passed`, `failed` (an assertion did not hold) or `error` (the script stopped).
    static func verdict(_ result: ScriptResult) -> String {
        if result.failure != nil { return result.failure?.kind == .checkFailed ? "failed" : "error" }
        return result.status == 0 ? "passed" : "failed"
    }

    // MARK: - Markdown

    public static func markdown(_ result: ScriptResult, language: Language) -> String {
        let zh = language == .zh
        let failed = result.assertions.filter { !$0.holds }.count
        let total = result.assertions.count
        let file = MarkdownText.code(result.script.file, inTable: false)
        var out = zh ? "## ars closeout 证据：\(file)\n\n" : "## ars closeout evidence: \(file)\n\n"
        let digest = String(SHA256.hex(result.script.text).prefix(16))
        out +=
            zh
            ? "- 脚本：\(file)（sha256 `\(digest)…`），ars \(ArsVersion.current)\n"
            : "- Script: \(file) (sha256 `\(digest)…`), ars \(ArsVersion.current)\n"
        if let lane = result.lane {
            let (name, url, namespace) = (
                MarkdownText.code(lane.qualifiedName), MarkdownText.code(lane.restBaseURL), MarkdownText.code(lane.namespace)
            )
            out += zh ? "- 目标 lane：\(name)（\(url)，namespace \(namespace)）\n" : "- Lane: \(name) (\(url), namespace \(namespace))\n"
        }
        if !result.params.isEmpty {
            let params = result.params.map { MarkdownText.code("\($0.0)=\(clip($0.1, limit: 60))", inTable: false) }.joined(separator: ", ")
            out += zh ? "- 参数：\(params)\n" : "- Params: \(params)\n"
        }
        let duration = Durations.format(result.finishedAt.timeIntervalSince(result.startedAt))
        out +=
            zh
            ? "- 运行时间：\(timestamp(result.startedAt)) → \(timestamp(result.finishedAt))（耗时 \(duration)）\n"
            : "- Ran: \(timestamp(result.startedAt)) → \(timestamp(result.finishedAt)) (\(duration))\n"
        out += "- " + conclusion(result, failed: failed, total: total, zh: zh) + "\n"

        if !result.assertions.isEmpty {
            out +=
                zh
                ? "\n### 断言\n\n| | 位置 | 断言 | 实际值 | 期望值 | 说明 |\n|---|---|---|---|---|---|\n"
                : "\n### Assertions\n\n| | where | assertion | actual | expected | note |\n|---|---|---|---|---|---|\n"
            for assertion in result.assertions {
                out +=
                    "| \(assertion.holds ? "✅" : "❌") | \(MarkdownText.code(shortLocation(assertion.location))) | \(MarkdownText.code(assertion.expression)) | "
                    + "\(assertion.actual.map { MarkdownText.code(clip($0)) } ?? "-") | \(assertion.expected.map { MarkdownText.code(clip($0)) } ?? "-") | "
                    + "\(MarkdownText.prose(assertion.message ?? "")) |\n"
            }
        }
        if !result.statements.isEmpty {
            out +=
                zh
                ? "\n### 执行的命令\n\n| 位置 | 命令 | 结果 | 耗时 | 关键字段 |\n|---|---|---|---|---|\n"
                : "\n### Commands run\n\n| where | command | result | time | key fields |\n|---|---|---|---|---|\n"
            for record in result.statements {
                let status =
                    record.status == .ok ? (zh ? "成功" : "ok") : (zh ? "失败（exit \(record.exitCode)）" : "failed (exit \(record.exitCode))")
                let attempts = record.attempts.map { zh ? "，轮询 \($0) 次" : ", \($0) attempts" } ?? ""
                let fields =
                    record.keyFields.objectValue.map { object in object.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: " ") }
                    ?? record.keyFields.plainText
                out +=
                    "| \(MarkdownText.code(shortLocation(record.location))) | \(MarkdownText.code(String(record.line.prefix(160)))) | \(status)\(attempts) | "
                    + "\(Durations.format(record.duration)) | \(fields.isEmpty ? "" : MarkdownText.code(String(fields.prefix(160)))) |\n"
            }
        }
        let failedChecks = result.statements.filter { $0.failedOutput != nil }
        if !failedChecks.isEmpty {
            out += zh ? "\n### 未通过的检查\n" : "\n### Failed checks\n"
            for record in failedChecks {
                out +=
                    "\n\(MarkdownText.code(shortLocation(record.location), inTable: false)) \(MarkdownText.code(record.line, inTable: false))\n\n"
                out += MarkdownText.fencedBlock(YAML.encode(record.failedOutput ?? .null), info: "yaml")
            }
        }
        if !result.evidence.isEmpty {
            out += zh ? "\n### 证据\n" : "\n### Evidence\n"
            for item in result.evidence {
                var yaml = YAML.encode(item.value)
                let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
                if lines.count > 200 {
                    yaml = lines.prefix(200).joined(separator: "\n") + "\n# … \(lines.count - 200) more lines in evidence.json\n"
                }
                out += "\n#### \(MarkdownText.prose(item.title))\n\n" + MarkdownText.fencedBlock(yaml, info: "yaml")
            }
        }
        out +=
            zh
            ? "\n---\n本证据由 `ars run` 生成，可用同一脚本复跑。输出只包含环境变量名和 Secret 元数据，未打印任何 secret 值（`valuesPrinted=false`）。\n"
            : "\n---\nGenerated by `ars run`; rerun the same script to reproduce. Output holds only env names and Secret metadata; no secret value was printed (`valuesPrinted=false`).\n"
        return out
    }

    private static func conclusion(_ result: ScriptResult, failed: Int, total: Int, zh: Bool) -> String {
        if let failure = result.failure {
            let at = failure.location.map { shortLocation($0) } ?? "?"
            let message = MarkdownText.prose(failure.message)
            return zh
                ? "结论：⛔ 脚本在 \(MarkdownText.code(at)) 中止：\(message)"
                : "Verdict: ⛔ the script stopped at \(MarkdownText.code(at)): \(message)"
        }
        if let exit = result.exitRequest, exit != 0 {
            return zh ? "结论：⛔ 脚本以 exit \(exit) 结束" : "Verdict: ⛔ the script exited with \(exit)"
        }
        if failed > 0 {
            return zh ? "结论：❌ \(total) 条断言中 \(failed) 条不成立" : "Verdict: ❌ \(failed) of \(total) assertions failed"
        }
        return zh ? "结论：✅ 全部 \(total) 条断言成立" : "Verdict: ✅ all \(total) assertions held"
    }

    // MARK: - JUnit

    /// A JUnit XML report: one test case per assertion (and one for a stopping failure that is
    /// not itself an assertion — a failed `require` is counted once, as its assertion).
    public static func junit(_ result: ScriptResult) -> String {
        let stopping = result.failure.flatMap { $0.code == .requireFailed ? nil : $0 }
        let failures = result.assertions.filter { !$0.holds }.count + (stopping == nil ? 0 : 1)
        let tests = result.assertions.count + (stopping == nil ? 0 : 1)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuite name=\"\(xml(result.script.file))\" tests=\"\(tests)\" failures=\"\(failures)\" time=\"\(result.finishedAt.timeIntervalSince(result.startedAt).fixed(3))\">\n"
        for assertion in result.assertions {
            out +=
                "  <testcase classname=\"\(xml(result.script.file))\" name=\"\(xml(assertion.location.description + " " + assertion.expression))\""
            if assertion.holds {
                out += "/>\n"
            } else {
                let detail =
                    "actual: \(assertion.actual.map { JSON.encode($0, pretty: false) } ?? "-"), expected: \(assertion.expected.map { JSON.encode($0, pretty: false) } ?? "-")"
                out +=
                    ">\n    <failure message=\"\(xml(assertion.message ?? assertion.expression))\">\(xml(detail))</failure>\n  </testcase>\n"
            }
        }
        if let failure = stopping {
            out += "  <testcase classname=\"\(xml(result.script.file))\" name=\"\(xml(failure.location?.description ?? "script"))\">\n"
            out += "    <error message=\"\(xml(failure.code.rawValue))\">\(xml(failure.message))</error>\n  </testcase>\n"
        }
        return out + "</testsuite>\n"
    }

    // MARK: - Helpers

    static func timestamp(_ date: Date) -> String {
        RFC3339.format(date)
    }

    private static func shortLocation(_ location: SourceLocation) -> String {
        "\((location.file.map { Paths.lastComponent($0) }) ?? "?"):\(location.line)"
    }

    /// A value as compact JSON (a string quoted), cut to `limit` characters for a table cell.
    private static func clip(_ value: Value, limit: Int = 120) -> String {
        let text = value.stringValue.map { JSON.encode(.string($0), pretty: false) } ?? JSON.encode(value, pretty: false)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    /// Text for an XML attribute or element: markup escaped, and the control characters XML 1.0
    /// cannot hold shown as `\u{…}`.
    private static func xml(_ text: String) -> String {
        MarkdownText.visible(text).replacing("&", with: "&amp;").replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }
}

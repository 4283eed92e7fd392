/// Renders a command's output in the requested format. Commands never print; this does.
///
/// Every piece of text a human view shows is first redacted (registered secrets become
/// `[REDACTED]`), then made terminal-safe, and only then cut to a column's width — so a cut can
/// never leave half a secret, or half an escape, on screen.
public struct Printer: Sendable {
    public var format: OutputFormat
    public var colour: Bool
    /// Replaces registered secrets; applied before anything is cut or padded.
    public var redact: @Sendable (String) -> String

    public init(format: OutputFormat, colour: Bool = false, redact: @escaping @Sendable (String) -> String = { $0 }) {
        self.format = format
        self.colour = colour
        self.redact = redact
    }

    /// Outside text as a human view shows it: redacted, then terminal-safe.
    private func clean(_ text: String) -> String { TerminalSafe.sanitize(redact(text)) }

    /// The text for stdout and the text for stderr (warnings) of one output.
    public func render(_ output: CommandOutput) -> (stdout: String, stderr: String) {
        switch format {
        case .json:
            return (output.value.isNull ? "" : JSON.encode(output.value) + "\n", warnings(output.builtHuman))
        case .yaml:
            return (output.value.isNull ? "" : YAML.encode(output.value), warnings(output.builtHuman))
        case .human:
            let human = output.human
            if human.isEmpty { return (renderValue(output.value), "") }
            var out = ""
            for block in human { render(block, indent: "", into: &out) }
            return (out, warnings(human))
        }
    }

    /// One item of a stream: a compact JSON line, a YAML document, or the human blocks.
    public func renderItem(_ output: CommandOutput) -> (stdout: String, stderr: String) {
        switch format {
        case .json: return (output.value.isNull ? "" : JSON.encode(output.value, pretty: false) + "\n", warnings(output.builtHuman))
        case .yaml: return (output.value.isNull ? "" : "---\n" + YAML.encode(output.value), warnings(output.builtHuman))
        case .human: return render(output)
        }
    }

    private func warnings(_ blocks: [HumanBlock]) -> String {
        blocks.compactMap { if case .warning(let w) = $0 { "warning: \(clean(w))\n" } else { nil } }.joined()
    }

    // MARK: - Human blocks

    private func style(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func render(_ block: HumanBlock, indent: String, into out: inout String) {
        switch block {
        case .summary(let line):
            out += indent + style(clean(line), "1") + "\n"
        case .text(let text):
            // Unindented, the lines go out as they are (a streamed page is 200 of them).
            guard !indent.isEmpty else {
                out += clean(text)
                out += "\n"
                return
            }
            for line in clean(text).split(separator: "\n", omittingEmptySubsequences: false) {
                out += line.isEmpty ? "\n" : indent + line + "\n"
            }
        case .fields(let pairs):
            let width = pairs.map { TextWidth.of($0.0) }.max() ?? 0
            for (name, value) in pairs {
                let label = TextWidth.pad(clean(name) + ":", to: width + 1)
                let lines = clean(value).split(separator: "\n", omittingEmptySubsequences: false)
                out += indent + style(label, "2") + " " + (lines.first.map(String.init) ?? "") + "\n"
                for more in lines.dropFirst() {
                    out += indent + String(repeating: " ", count: width + 2) + more + "\n"
                }
            }
        case .table(let table):
            out += renderTable(table, indent: indent)
        case .section(let title, let blocks):
            out += indent + style(clean(title), "1") + "\n"
            for inner in blocks { render(inner, indent: indent + "  ", into: &out) }
        case .next(let commands):
            // A line that would not run exactly the command it shows is left out.
            for command in commands where PasteSafe.isSafe(redact(command)) {
                out += indent + style("next:", "2") + " " + clean(command) + "\n"
            }
        case .warning:
            break  // printed on stderr
        }
    }

    /// A kubectl-style table: upper-case headers, columns three spaces apart, widths measured in
    /// display columns so CJK text lines up.
    public func renderTable(_ table: Table, indent: String = "") -> String {
        let headers = table.columns.map { $0.header.uppercased() }
        let rows = table.rows.map { row in
            table.columns.indices.map { index -> String in
                // Redacted first, then made safe and cut, so a cut never shows part of a secret.
                let raw = index < row.count ? redact(row[index]).replacing("\n", with: "⏎") : ""
                return table.columns[index].maxWidth.map { TerminalSafe.fit(raw, to: $0) } ?? TerminalSafe.sanitize(raw)
            }
        }
        var widths = headers.map(TextWidth.of)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], TextWidth.of(cell)) }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                let column = table.columns[index]
                let padding = String(repeating: " ", count: max(0, widths[index] - TextWidth.of(cell)))
                var text = column.alignRight ? padding + cell : (isLast ? cell : cell + padding)
                if header { text = style(text, "1") }
                parts.append(text)
            }
            let joined = indent + parts.joined(separator: "   ")
            return String(joined.reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        return line(headers, header: true) + rows.map { line($0, header: false) }.joined()
    }

    // MARK: - Generic value rendering

    /// How a value with no human view reads: strings as they are, scalars as literals,
    /// structures as YAML.
    public func renderValue(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .string(let s): return clean(s) + "\n"
        case .array(let items) where items.isEmpty: return ""
        case .bool, .int, .double: return value.plainText + "\n"
        case .array, .object: return clean(YAML.encode(value))
        }
    }
}

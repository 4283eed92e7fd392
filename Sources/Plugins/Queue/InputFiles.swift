import Commands
import FoundationEssentials

/// Reads the client-side input files of `create` and `apply` (`-` is stdin), with errors that
/// point at file:line:col. Nothing is sent until every input has been read and checked.
enum InputFiles {
    /// The text of `path` (relative to the session's directory), or stdin for `-`.
    static func read(_ path: String, in session: Session) throws(ArsError) -> (text: String, name: String) {
        if path == "-" { return (session.io.stdin.readAll(), "<stdin>") }
        let full = path.hasPrefix("/") ? path : session.currentDirectory + "/" + path
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ArsError.invalidInput(.fileUnreadable, "cannot read \(path)", hint: "check that the file exists and is readable")
        }
        return (String(decoding: data, as: UTF8.self), path)
    }

    /// Parses YAML or JSON (JSON is YAML) into documents with positions.
    static func documents(_ text: String, name: String) throws(ArsError) -> [YAML.Document] {
        do {
            return try YAML.decodeAll(text).filter { !$0.value.isNull }
        } catch {
            throw located(.yamlSyntax, "\(error.message)", name: name, text: text, at: error.position)
        }
    }

    /// A JSON object file (`--json-file`, `--runner-json-file`).
    static func jsonObject(_ path: String, in session: Session) throws(ArsError) -> Value {
        let (text, name) = try read(path, in: session)
        let value: Value
        do { value = try JSON.decode(text) } catch {
            throw located(
                .jsonSyntax, "JSON syntax error: \(error.message)", name: name, text: text,
                at: YAML.Position(line: error.line, column: error.column))
        }
        guard value.objectValue != nil else {
            throw ArsError.invalidInput(
                .jsonShape, "\(name) must hold a JSON object, not a \(value.typeName)",
                location: SourceLocation(file: name, line: 1, column: 1))
        }
        return value
    }

    static func located(_ code: ErrorCode, _ message: String, name: String, text: String, at position: YAML.Position, hint: String? = nil)
        -> ArsError
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let lineText = position.line - 1 < lines.count ? String(lines[position.line - 1]) : nil
        return ArsError.invalidInput(
            code, message, hint: hint,
            location: SourceLocation(file: name, line: position.line, column: position.column, lineText: lineText))
    }
}

/// How a command's value is printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Summary lines, tables and `next:` drill-down commands for people.
    case human
    /// The value as JSON.
    case json
    /// The value as YAML.
    case yaml
}

import FoundationEssentials

/// A parsed command line: which command, and the arguments and options given to it.
public struct Invocation: Sendable {
    public var signature: CommandSignature
    /// The words of the line after prefix stripping, for evidence and history.
    public var words: [String]
    /// Positional values by positional name (variadic ones may hold several).
    public var arguments: [String: [String]]
    /// Option values by long name (repeatable ones may hold several); flags hold `["true"]`.
    public var options: [String: [String]]

    public init(signature: CommandSignature, words: [String] = [], arguments: [String: [String]] = [:], options: [String: [String]] = [:]) {
        self.signature = signature
        self.words = words
        self.arguments = arguments
        self.options = options
    }

    /// The single value of a positional, if given.
    public func argument(_ name: String) -> String? { arguments[name]?.first }

    /// All values of a (variadic) positional.
    public func argumentList(_ name: String) -> [String] { arguments[name] ?? [] }

    /// The value of an option, falling back to its declared default.
    public func option(_ name: String) -> String? {
        options[name]?.last ?? signature.option(named: name)?.defaultValue
    }

    /// Every value given for a repeatable option.
    public func optionList(_ name: String) -> [String] { options[name] ?? [] }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { options[name] != nil }

    /// An integer option (the parser has already checked the kind).
    public func intOption(_ name: String) -> Int? { option(name).flatMap { Int($0) } }

    /// A duration option in seconds (the parser has already checked the kind).
    public func durationOption(_ name: String) -> Double? { option(name).flatMap(Durations.parse) }

    /// The requested output format.
    public var outputFormat: OutputFormat { option(Option.output.name).flatMap(OutputFormat.init(rawValue:)) ?? .human }
}

/// Durations as operators write them: `500ms`, `30s`, `40m`, `1h30m`, `2d`; a bare number is seconds.
public enum Durations {
    /// Seconds, or nil when the text is not a duration.
    public static func parse(_ text: String) -> Double? {
        if let seconds = Double(text), seconds >= 0 { return seconds }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            total += number * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }

    /// How long something has been going or ago it happened — the one age format of every
    /// table and field: `50s`, `5m50s`, `16h28m48s`, `2d3h` (kubectl's units, with seconds up
    /// to a day).
    public static func age(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded()))
        let days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60, secs = total % 60
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(minutes)m\(secs)s" }
        if minutes > 0 { return "\(minutes)m\(secs)s" }
        return "\(secs)s"
    }

    /// Formats a setting or a measured span compactly (`500ms`, `45s`, `40m`, `1h30m`), as an
    /// operator would write it back as a duration option; ages use `age`.
    public static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m\(s % 60)s" }
        let m = (s % 3600) / 60
        return m == 0 ? "\(s / 3600)h" : "\(s / 3600)h\(m)m"
    }
}

/// Sizes on disk as tables show them.
public enum ByteSize {
    /// `1.0 GiB`, `512.0 MiB`, `0 B`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(value.fixed(1)) \(units[unit])"
    }
}

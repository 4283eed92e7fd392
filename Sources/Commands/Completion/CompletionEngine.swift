import FoundationEssentials

/// Completion candidates for a partial command line, read from the signatures.
///
/// One entry for everyone: the REPL's Tab, the generated bash/zsh/fish scripts (through the hidden
/// `ars __complete`) and the tests all call `complete(line:)`.
public struct CompletionEngine: Sendable {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// Candidates for the word being typed at the end of `line`; each is a full replacement for
    /// that word.
    public func complete(line: String) -> [CompletionCandidate] {
        let partial = Tokenizer.tokenizePartial(line)
        return complete(words: CommandParser.stripPastePrefix(partial.words).map(\.text), current: partial.current)
    }

    /// Candidates for `current`, given the complete words before it.
    public func complete(words: [String], current: String) -> [CompletionCandidate] {
        let registry = session.registry
        // Walk the command tree along the words typed so far.
        var path: [String] = []
        var index = 0
        while index < words.count, registry.command(path) == nil {
            let next = path + [words[index]]
            guard registry.command(next) != nil || registry.isGroup(next) else { return [] }
            path = next
            index += 1
        }
        guard let command = registry.command(path) else {
            return registry.children(of: path)
                .filter { $0.hasPrefix(current) && applies(path + [$0]) }
                .map { CompletionCandidate($0, summary(of: path + [$0])) }
        }
        let signature = command.signature
        let arguments = Array(words[index...])

        let given = givenOptions(arguments, signature: signature)
        // The value of an option: `--output js` or `--output=js`.
        if let previous = arguments.last, let option = optionNamed(previous, in: signature), !option.isFlag,
            !endsWithAttachedValue(previous)
        {
            return candidates(option.completion, partial: current, given: given)
        }
        if current.hasPrefix("--"), let equals = current.firstIndex(of: "=") {
            let name = String(current[current.index(current.startIndex, offsetBy: 2)..<equals])
            guard let option = signature.option(named: name), !option.isFlag else { return [] }
            let prefix = String(current[...equals])
            return candidates(option.completion, partial: String(current[current.index(after: equals)...]), given: given)
                .map { CompletionCandidate(prefix + $0.value, $0.description) }
        }
        if current.hasPrefix("-") {
            let used = Set(arguments.compactMap { optionNamed($0, in: signature)?.name })
            return signature.allOptions
                .filter { $0.isRepeatable || !used.contains($0.name) }
                .map { CompletionCandidate("--\($0.name)", $0.summary) }
                .filter { $0.value.hasPrefix(current) }
        }
        // The next positional.
        let positionalCount = countPositionals(arguments, signature: signature)
        if signature.positionals.last?.completion == .commandPath {
            let typed = arguments.filter { !$0.hasPrefix("-") }
            return registry.children(of: typed).filter { $0.hasPrefix(current) }.map { CompletionCandidate($0, summary(of: typed + [$0])) }
        }
        if let positional = signature.positionals.indices.contains(positionalCount)
            ? signature.positionals[positionalCount]
            : signature.positionals.last.flatMap({ $0.isVariadic ? $0 : nil })
        {
            return candidates(positional.completion, partial: current, given: given)
        }
        return []
    }

    /// Whether a command applies to the current lane: one for YAML-only lanes is offered only
    /// while the context's (or the catalogue's default) lane is one. Without a readable
    /// catalogue, everything is offered.
    private func applies(_ path: [String]) -> Bool {
        guard let command = session.registry.command(path), command.signature.lanes == .yamlOnly else { return true }
        guard let lane = try? session.lane() else { return true }
        return lane.yamlOnly
    }

    // MARK: - Sources

    private func candidates(_ completion: Completion, partial: String, given: [String: [String]]) -> [CompletionCandidate] {
        switch completion {
        case .none, .commandPath:
            return []
        case .values(let values):
            return values.filter { $0.hasPrefix(partial) }.map { CompletionCandidate($0) }
        case .files, .directories:
            return paths(partial: partial, directoriesOnly: completion == .directories)
        case .provider(let name):
            guard let provider = session.registry.completionProviders[name] else { return [] }
            return provider(CompletionRequest(partial: partial, session: session, options: given)).filter { $0.value.hasPrefix(partial) }
        }
    }

    private func paths(partial: String, directoriesOnly: Bool) -> [CompletionCandidate] {
        // Split what was typed into a directory part (kept as typed) and a name prefix.
        let slash = partial.lastIndex(of: "/")
        let typedDirectory = slash.map { String(partial[...$0]) } ?? ""
        let namePrefix = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        var directory = typedDirectory
        if directory.hasPrefix("~") { directory = Paths.home(session.environment) + directory.dropFirst() }
        let base = directory.hasPrefix("/") ? directory : session.currentDirectory + "/" + directory
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        return entries.sorted()
            .filter { $0.hasPrefix(namePrefix) && (namePrefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .compactMap { name in
                var isDirectory = false
                guard FileManager.default.fileExists(atPath: Paths.join(base, name), isDirectory: &isDirectory)
                else { return nil }
                if directoriesOnly && !isDirectory { return nil }
                return CompletionCandidate(typedDirectory + name + (isDirectory ? "/" : ""))
            }
    }

    // MARK: - Helpers

    private func summary(of path: [String]) -> String? {
        if let command = session.registry.command(path) { return command.signature.summary }
        let count = session.registry.visibleCommands(under: path).count
        return "\(count) command\(count == 1 ? "" : "s")"
    }

    private func optionNamed(_ word: String, in signature: CommandSignature) -> Option? {
        if word.hasPrefix("--") {
            let name = word.dropFirst(2).split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return signature.option(named: name)
        }
        if word.hasPrefix("-"), word.count == 2, let letter = word.dropFirst().first {
            return signature.option(short: letter)
        }
        return nil
    }

    private func endsWithAttachedValue(_ word: String) -> Bool { word.hasPrefix("--") && word.contains("=") }

    /// The option values given in `words`, by long name (flags hold `true`).
    private func givenOptions(_ words: [String], signature: CommandSignature) -> [String: [String]] {
        var given: [String: [String]] = [:]
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("-"), word != "-", let option = optionNamed(word, in: signature) else { continue }
            if option.isFlag {
                given[option.name, default: []].append("true")
            } else if endsWithAttachedValue(word), let equals = word.firstIndex(of: "=") {
                given[option.name, default: []].append(String(word[word.index(after: equals)...]))
            } else if index < words.count {
                given[option.name, default: []].append(words[index])
                index += 1
            }
        }
        return given
    }

    /// How many positionals the words fill, skipping options and their values.
    private func countPositionals(_ words: [String], signature: CommandSignature) -> Int {
        var count = 0
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word.hasPrefix("-"), word != "-", let option = optionNamed(word, in: signature) {
                if !option.isFlag, !endsWithAttachedValue(word) { index += 1 }
                continue
            }
            count += 1
        }
        return count
    }
}

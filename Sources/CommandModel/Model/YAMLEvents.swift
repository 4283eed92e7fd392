import CYAML

/// libyaml's event parser over a copy of a text, composed into `YAML.Document`s: values with the
/// position of every key and value. Aliases are refused (write the value out), a key appearing
/// twice in a mapping is an error at its second occurrence, and nesting is bounded so a hostile
/// text cannot exhaust the stack.
final class YAMLEvents {
    /// Deeper than any catalogue or manifest; each level is a stack frame of the composer.
    static let maximumDepth = 256

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    /// libyaml reads the input lazily, so it must outlive the parser.
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var event = yaml_event_t()
    private var holdsEvent = false
    private var streamEnded = false

    init(_ text: String) {
        input = .allocate(capacity: max(1, text.utf8.count))
        let count = input.initialize(fromContentsOf: text.utf8)
        parser = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, count)
    }

    deinit {
        if holdsEvent { yaml_event_delete(&event) }
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next document, or nil at the end of the stream.
    func nextDocument() throws(YAML.SyntaxError) -> YAML.Document? {
        guard try nextDocumentStart() != nil else { return nil }
        var document = YAML.Document(value: .null, keyPositions: [:], valuePositions: [:])
        try next()
        document.value = try compose(path: "", depth: 0, into: &document)
        try next()  // DOCUMENT-END
        return document
    }

    /// Reads up to the next DOCUMENT-START and returns its position, or nil at the end of the stream.
    func nextDocumentStart() throws(YAML.SyntaxError) -> YAML.Position? {
        while !streamEnded {
            try next()
            switch event.type {
            case YAML_DOCUMENT_START_EVENT: return position(event.start_mark)
            case YAML_STREAM_END_EVENT: streamEnded = true
            default: continue
            }
        }
        return nil
    }

    // MARK: - Composing

    /// Composes the node whose first event is the current one.
    private func compose(path: String, depth: Int, into document: inout YAML.Document) throws(YAML.SyntaxError) -> Value {
        let start = position(event.start_mark)
        document.valuePositions[path] = start
        guard depth < Self.maximumDepth else {
            throw YAML.SyntaxError(message: "nesting deeper than \(Self.maximumDepth) levels", position: start)
        }
        switch event.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = string(scalar.value, length: scalar.length)
            if scalar.style != YAML_PLAIN_SCALAR_STYLE || tag(scalar.tag) == "tag:yaml.org,2002:str" { return .string(text) }
            return YAML.plainScalar(text)
        case YAML_SEQUENCE_START_EVENT:
            var items: [Value] = []
            while true {
                try next()
                if event.type == YAML_SEQUENCE_END_EVENT { return .array(items) }
                items.append(try compose(path: "\(path)[\(items.count)]", depth: depth + 1, into: &document))
            }
        case YAML_MAPPING_START_EVENT:
            var object = Object()
            while true {
                try next()
                if event.type == YAML_MAPPING_END_EVENT { return .object(object) }
                let keyPosition = position(event.start_mark)
                guard event.type == YAML_SCALAR_EVENT else {
                    throw YAML.SyntaxError(message: "mapping keys must be plain scalars", position: keyPosition)
                }
                let key = string(event.data.scalar.value, length: event.data.scalar.length)
                if object[key] != nil { throw YAML.SyntaxError(message: "duplicate key '\(key)'", position: keyPosition) }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                document.keyPositions[childPath] = keyPosition
                try next()
                object[key] = try compose(path: childPath, depth: depth + 1, into: &document)
            }
        case YAML_ALIAS_EVENT:
            throw YAML.SyntaxError(message: "YAML aliases are not supported here; write the value out", position: start)
        default:
            throw YAML.SyntaxError(message: "unexpected YAML event \(event.type.rawValue)", position: start)
        }
    }

    // MARK: - libyaml

    /// Parses the next event into `event`, freeing the previous one.
    private func next() throws(YAML.SyntaxError) {
        if holdsEvent {
            yaml_event_delete(&event)
            holdsEvent = false
        }
        guard yaml_parser_parse(parser, &event) == 1 else { throw failure() }
        holdsEvent = true
    }

    /// libyaml's error: its context and problem at the problem's mark (a reader error, such as a
    /// control character, has only a byte offset).
    private func failure() -> YAML.SyntaxError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = state.context.map { String(cString: $0) }
        let message = [context, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        if state.error == YAML_READER_ERROR { return YAML.SyntaxError(message: message, position: position(offset: state.problem_offset)) }
        return YAML.SyntaxError(message: message, position: position(state.problem_mark))
    }

    private func position(_ mark: yaml_mark_t) -> YAML.Position {
        YAML.Position(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// The line and column (in Unicode scalars) of a byte offset of the input.
    private func position(offset: Int) -> YAML.Position {
        let prefix = UnsafeMutableBufferPointer(rebasing: input[..<min(offset, input.count)])
        let text = String(decoding: prefix, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return YAML.Position(line: lines.count, column: (lines.last?.unicodeScalars.count ?? 0) + 1)
    }

    private func string(_ bytes: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let bytes else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    private func tag(_ bytes: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        bytes.map { String(cString: $0) }
    }
}

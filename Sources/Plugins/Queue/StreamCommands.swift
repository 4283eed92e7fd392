import Commands
import FoundationEssentials

/// `events run/ID` and `logs session/ID`: read or follow a sequence of items.
struct StreamCommand: QueueCommand {
    enum Stream { case events, logs }
    let stream: Stream
    let signature: CommandSignature

    init(_ stream: Stream) {
        self.stream = stream
        let isEvents = stream == .events
        signature = CommandSignature(
            isEvents ? "events" : "logs",
            summary: isEvents ? "Show or follow a run's events" : "Show or follow a session's logs",
            discussion:
                "--follow long-polls until the run is terminal and resumes after a dropped connection from the last seen seq (no gap, no duplicate). With -o json each item is one JSON line (NDJSON).",
            positionals: [QueueFlags.target(isEvents ? "run/ID" : "session/ID"), QueueFlags.id],
            options: QueueFlags.lane + [
                Option("after-seq", "Only items after this sequence number", kind: .int, default: "0"),
                .flag("follow", short: "f", "Keep reading until the run is terminal"),
            ]
                + (isEvents
                    ? [
                        Option(
                            "type", "Only events of this type (e.g. assistant-message)", repeatable: true,
                            completion: .values(EventTypes.documented))
                    ] : []),
            examples: isEvents
                ? [
                    Example("events run/r-42 --follow", "Watch a run to the end"),
                    Example("events run/r-42 --type assistant-message -o json", "Assistant outputs as NDJSON"),
                ]
                : [Example("logs session/s-42 -f", "Tail a session's logs")])
    }

    private var kind: ResourceKind { stream == .events ? .run : .session }

    struct Request: Sendable {
        let reference: ResourceReference
        let id: String
        let afterSeq: Int
        /// Event types to keep; empty keeps every item.
        let types: Set<String>
        let follow: Bool
        /// Printed for a person (not `-o json|yaml`, not `--raw`): a long read can stream.
        let human: Bool
    }

    func request(_ invocation: Invocation, in session: Session) throws -> Request {
        let (reference, id) = try QueueFlags.resource(invocation, allowed: [kind]) { _ in
            ArsError.usage(.missingId, "'\(signature.name)' needs \(kind.rawValue)/ID")
        }
        return Request(
            reference: reference, id: id, afterSeq: invocation.intOption("after-seq") ?? 0, types: Set(invocation.optionList("type")),
            follow: invocation.flag("follow"), human: invocation.outputFormat == .human && !invocation.flag(QueueFlags.raw.name))
    }

    func run(_ request: Request, client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let (reference, id, types) = (request.reference, request.id, request.types)
        let reader = EventReader(client: client, collection: kind.collection, id: id, afterSeq: request.afterSeq)
        let views = Views(now: session.clock.now())
        let wanted: (Value) -> Bool = { types.isEmpty || types.contains($0["type"]?.stringValue ?? "") }

        // Following: on a terminal each item prints as it comes; in a script (which never
        // prints) the items are collected until the end and bound like a read's.
        var followed: [Value] = []
        var nextAfterSeq: Int?
        if request.follow {
            let emit = session.emit
            let last = try await reader.follow { item in
                guard wanted(item) else { return }
                if let emit {
                    // The human line is made only when a person reads it (-o json prints the item).
                    emit(CommandOutput(item, human: request.human ? [.text(line(item, views: views, reference: reference))] : []))
                } else {
                    followed.append(item)
                }
            }
            if emit != nil { return CommandOutput(.null, human: [.next(["\(signature.name) \(reference.display) --after-seq \(last)"])]) }
            nextAfterSeq = last
        }
        var items = followed
        if !request.follow {
            // A read longer than one page prints page by page, as follow does, in follow's line
            // format (one table would hold every row in memory first); a read that fits in one
            // page keeps the table. Scripts and -o json|yaml get the whole value.
            var held: [Value]?
            var streamed = 0
            let emit = request.human ? session.emit : nil
            let last = try await reader.read { page in
                let kept = page.filter(wanted)
                guard let emit else {
                    items += kept
                    return
                }
                if streamed == 0 && held == nil {
                    held = kept
                    return
                }
                var rows = streamed == 0 ? [pagedHeader] : []
                for item in (held ?? []) + kept { rows.append(pagedRow(item, views: views, reference: reference)) }
                emit(CommandOutput(.null, human: [.text(rows.joined(separator: "\n"))]))
                streamed += (held?.count ?? 0) + kept.count
                held = []
            }
            if streamed > 0 {
                return CommandOutput(.null, human: [.next(["\(signature.name) \(reference.display) --after-seq \(last)"])])
            }
            if let held { items = held }
        }
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": .string(stream == .events ? "EventList" : "LogList"),
            "\(kind.rawValue)Id": .string(id), "items": .array(items),
            "nextAfterSeq": .int(nextAfterSeq ?? items.last?["seq"]?.intValue ?? reader.afterSeq),
        ])
        let human: [HumanBlock] =
            items.isEmpty
            ? [.text("No \(stream == .events ? "events" : "log lines") after seq \(reader.afterSeq).")]
            : [.table(table(items, views: views, reference: reference))]
        return CommandOutput(value, human: human + [.next(["\(signature.name) \(reference.display) --follow"])])
    }

    // MARK: - Rendering

    private func table(_ items: [Value], views: Views, reference: ResourceReference) -> Table {
        switch stream {
        case .events:
            return Table(
                columns: [.init("seq", alignRight: true), .init("time"), .init("type"), .init("command"), .init("summary", maxWidth: 100)],
                rows: items.map {
                    [
                        views.text($0["seq"] ?? .null), time($0), views.text($0["type"] ?? .null), views.text($0["commandId"] ?? .null),
                        summary($0, reference: reference),
                    ]
                })
        case .logs:
            return Table(
                columns: [.init("seq", alignRight: true), .init("time"), .init("stream"), .init("line", maxWidth: 120)],
                rows: items.map {
                    [views.text($0["seq"] ?? .null), time($0), views.text($0["stream"] ?? .null), views.text($0["line"] ?? .null)]
                })
        }
    }

    private func line(_ item: Value, views: Views, reference: ResourceReference) -> String {
        let seq = views.text(item["seq"] ?? .null)
        switch stream {
        case .events:
            return "\(seq)  \(time(item))  \(views.text(item["type"] ?? .null))  \(summary(item, reference: reference, width: 120))"
        case .logs:
            return "\(seq)  \(time(item))  \(views.text(item["stream"] ?? .null))  \(views.text(item["line"] ?? .null))"
        }
    }

    /// A long read's rows, printed a page at a time: the table's columns at fixed widths, so
    /// pages line up without holding every row.
    private var pagedHeader: String {
        stream == .events
            ? "   seq   time       type                           summary" : "   seq   time       stream   line"
    }

    private func pagedRow(_ item: Value, views: Views, reference: ResourceReference) -> String {
        let seq = views.text(item["seq"] ?? .null)
        let paddedSeq = String(repeating: " ", count: max(0, 6 - seq.count)) + seq
        switch stream {
        case .events:
            return
                "\(paddedSeq)   \(time(item))   \(TextWidth.pad(views.text(item["type"] ?? .null), to: 28))   \(summary(item, reference: reference, width: 100))"
        case .logs:
            return
                "\(paddedSeq)   \(time(item))   \(TextWidth.pad(views.text(item["stream"] ?? .null), to: 6))   \(views.text(item["line"] ?? .null))"
        }
    }

    private func time(_ item: Value) -> String { item["at"].flatMap(Timestamps.parse).map(Timestamps.clock) ?? "" }

    private func summary(_ event: Value, reference: ResourceReference, width: Int = 100) -> String {
        Self.summary(event, reference: reference, width: width)
    }

    /// One line of at most `width` display columns about an event. Text that does not fit — long
    /// outputs, wide (CJK) prose — is cut and ends with its true size and the command that shows
    /// the whole item, which always fits.
    /// `text` as one line when it is printable ASCII and fits in `width` columns; nil otherwise
    /// (the caller then walks characters and cuts with a pointer to the whole event).
    static func asciiLine(_ text: String, width: Int) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(text.utf8.count, width))
        var previous: UInt8 = 0
        for byte in text.utf8 {
            switch byte {
            case 0x20...0x7E: bytes.append(byte)
            case 0x0A where previous == 0x0D: break  // CRLF is one break, as a Character
            case 0x0A, 0x0D: bytes.append(0x20)
            default: return nil
            }
            previous = byte
            if bytes.count > width { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func summary(_ event: Value, reference: ResourceReference, width: Int = 100) -> String {
        let data = event["data"] ?? .null
        let text: String
        switch event["type"]?.stringValue ?? "" {
        case "assistant-message": text = (data["final"] == .bool(true) ? "[final] " : "") + (data["text"]?.stringValue ?? "")
        // The API sends `data.command`; `data.input` is the spelling of older traces.
        case "tool-call": text = "\(data["tool"]?.stringValue ?? "tool") \((data["command"] ?? data["input"]).map { $0.plainText } ?? "")"
        case "tool-result": text = "\(data["tool"]?.stringValue ?? "tool") → \(data["output"]?.stringValue ?? "")"
        case "runner-job:created":
            text =
                "transientEnv.names="
                + (data.lookup("transientEnv.names")?.arrayValue?.compactMap(\.stringValue).joined(separator: ",") ?? "")
        case "resource-bundle-materialized":
            text = (data["bundles"]?.arrayValue ?? []).map {
                "\($0["repoUrl"]?.stringValue ?? "?")@\(($0["commitId"]?.stringValue ?? "?").prefix(12)) mirror=\($0["mirrorUsed"].map { $0.plainText } ?? "?")"
            }.joined(separator: "; ")
        default:
            if let kind = data["failureKind"]?.stringValue {
                text = "\(kind): \(data["message"]?.stringValue ?? "")"
            } else {
                text = data.isNull ? "" : data.plainText
            }
        }
        // Printable ASCII (most events) is one column a byte: the line is the first `width` bytes,
        // line breaks made spaces, with no grapheme walk.
        if let flat = asciiLine(text, width: width) { return flat }
        // One line, and no more of it than fits: a tool's several-KB output is not walked whole.
        var flat = ""
        var columns = 0
        var cut = false
        for character in text {
            let shown: Character = character == "\n" || character == "\r\n" || character == "\r" ? " " : character
            columns += TextWidth.of(shown)
            if columns > width {
                cut = true
                break
            }
            flat.append(shown)
        }
        guard cut, let seq = event["seq"]?.intValue else { return flat }
        let pointer = " (\(byteSize(text.utf8.count)); events \(reference.display) --after-seq \(seq - 1) -o json)"
        return TextWidth.truncate(flat, to: max(12, width - TextWidth.of(pointer))) + pointer
    }

    /// `100 B`, `1.5 KB`, `2.3 MB` (1024-based, one decimal).
    static func byteSize(_ bytes: Int) -> String {
        guard bytes >= 1024 else { return "\(bytes) B" }
        let kilobytes = Double(bytes) / 1024
        func tenths(_ value: Double) -> String {
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        }
        return kilobytes < 1024 ? "\(tenths(kilobytes)) KB" : "\(tenths(kilobytes / 1024)) MB"
    }
}

// libFuzzer entry point for the path builders: the id grammar (`Identifier`), `URLPath.build`,
// `URLPath.checked`, `URLPath.query`, and the terminal escaping applied to what they quote.
// Built by `scripts/fuzz --target paths` like FuzzScript.swift.
//
// Thrown `ArsError`s are expected results. A finding is a crash, or a broken invariant trapped
// with `precondition`: an accepted id or built path that could change a request's meaning, a
// query that is not fully percent-encoded, or escaped text that still holds a control or bidi
// character.
import Commands

private let forbiddenInPath: Set<Character> = ["?", "#", "%", " ", "\\", "\t", "\n", "\r"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    // One id: accepted only if it holds nothing that changes a request.
    if Identifier.isValid(text) {
        precondition(
            !text.contains("/") && !text.contains("..") && !text.contains(where: forbiddenInPath.contains),
            "accepted \(text.debugDescription)")
        precondition(text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }, "accepted a non-printable id")
    }

    // Segments split on a separator byte: a built path has exactly those segments, nothing more.
    let segments = text.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
    if let path = try? URLPath.build(segments) {
        precondition(path.split(separator: "/", omittingEmptySubsequences: false).count == segments.count + 1, "segment count changed")
        precondition(
            !path.contains("/../") && !path.hasSuffix("/..") && !path.contains(where: forbiddenInPath.contains), "unsafe path \(path)")
    }
    if let path = try? URLPath.checked(text) {
        precondition(path == text, "checked changed the path")
    }

    // Query: every byte outside the unreserved set is percent-encoded.
    let query = URLPath.query(segments.enumerated().map { ("k\($0.offset)", $0.element) })
    precondition(
        query.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0 == "%" || $0 == "&" || $0 == "=" || $0 == "-" || $0 == "." || $0 == "_" || $0 == "~" || $0.properties.isAlphabetic
                    || ("0"..."9").contains($0))
        }, "unencoded query \(query)")

    // Escaping: no control or bidi character survives; a cut never grows past its width.
    let safe = TerminalSafe.sanitize(text)
    precondition(
        !safe.unicodeScalars.contains { v in
            let v = v.value
            return (v < 0x20 && v != 0x0A && v != 0x09) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C
        }, "a control survived escaping")
    for width in [1, 5, 17] {
        precondition(TextWidth.of(TerminalSafe.fit(text, to: width)) <= width, "fit overflowed")
    }
    return 0
}

import Foundation
import Testing

/// The libFuzzer target for the `.ars` front end (`Fuzz/FuzzScript.swift`, built by
/// `scripts/fuzz` into `.build-fuzz/`, never into `.build/`).
///
/// Building the instrumented fuzzer takes about a minute from clean on 2 cores (and 25–50 s again
/// after any change in `Sources/Commands`, since it is a release build), so a plain `swift test`
/// never builds it:
/// - `ARS_FUZZ_SECONDS=N swift test --filter FuzzTests` builds the fuzzer and fuzzes for N seconds;
/// - otherwise, when a fuzzer built from the current sources already exists, the seed corpus and
///   the saved regressions (`Fuzz/regressions/`) are replayed through it (well under a second).
@Suite("Fuzzing the .ars front end")
struct FuzzTests {
    static let fuzzScript = repositoryRoot + "/scripts/fuzz"
    static let fuzzBinary = repositoryRoot + "/.build-fuzz/fuzz-script"

    static var requestedSeconds: Int? {
        ProcessInfo.processInfo.environment["ARS_FUZZ_SECONDS"].flatMap { Int($0) }
    }

    /// A fuzzer binary newer than every file it was built from, or nil.
    static var upToDateBinary: String? {
        let files = FileManager.default
        guard let built = modified(fuzzBinary) else { return nil }
        var sources = [repositoryRoot + "/Fuzz/FuzzScript.swift"]
        let commands = repositoryRoot + "/Sources/Commands"
        for case let relative as String in files.enumerator(atPath: commands) ?? FileManager.DirectoryEnumerator() {
            sources.append(commands + "/" + relative)
        }
        return sources.allSatisfy { (modified($0) ?? .distantFuture) <= built } ? fuzzBinary : nil
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    @Test(
        "scripts/fuzz runs clean for ARS_FUZZ_SECONDS",
        .enabled(if: requestedSeconds != nil, "set ARS_FUZZ_SECONDS to build and run the fuzzer"))
    func boundedFuzzRun() throws {
        let seconds = Self.requestedSeconds ?? 20
        let result = try runProcess(
            [Self.fuzzScript, "\(seconds)"], environment: ProcessInfo.processInfo.environment, directory: repositoryRoot)
        #expect(result.status == 0, "scripts/fuzz \(seconds) failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("DONE"), "no libFuzzer summary:\n\(result.stdout)")
    }

    @Test(
        "the seed corpus and saved regressions replay clean through an up-to-date fuzzer",
        .enabled(if: requestedSeconds == nil, "ARS_FUZZ_SECONDS is set: the fuzz run starts from these inputs"),
        .enabled(if: upToDateBinary != nil, "no fuzzer built from the current sources; run scripts/fuzz"))
    func replaySeeds() throws {
        var inputs = ["Tests/Scripts", "docs/examples", "Fuzz/regressions"].map { repositoryRoot + "/" + $0 }
        inputs = inputs.filter { FileManager.default.fileExists(atPath: $0) }
        // `-runs=0` executes every input once and stops; no fuzzing, no corpus writes.
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=yes,color=no"
        let result = try runProcess(
            [Self.fuzzBinary, "-runs=0", "-timeout=5"] + inputs, environment: environment, directory: repositoryRoot)
        #expect(result.status == 0, "an input crashed the fuzz target:\n\(result.stderr)")
    }
}

import Commands
import ScriptLanguage
import Foundation

/// A session over in-memory streams, with the real built-in plugin and a config from text.
func makeSession(
    plugins: [any CommandPlugin] = [BuiltinsPlugin(), ScriptPlugin()],
    config: String? = sampleConfig,
    stdin: String = "",
    mode: Session.Mode = .oneShot,
    environment: [String: String] = [:]
) throws -> (Session, BufferSink, BufferSink) {
    let stdout = BufferSink()
    let stderr = BufferSink()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-tests-\(UUID().uuidString)").path
    // The user's own catalogue, in their config folder (one found in the working folder would
    // need trust).
    try FileManager.default.createDirectory(atPath: directory + "/xdg/ars", withIntermediateDirectories: true)
    if let config {
        try config.write(toFile: directory + "/xdg/ars/agentrun.yaml", atomically: true, encoding: .utf8)
    }
    var env = environment
    env["HOME"] = directory
    env["XDG_CONFIG_HOME"] = directory + "/xdg"
    let session = Session(
        registry: try CommandRegistry(plugins: plugins), mode: mode,
        io: IOStreams(stdin: StringSource(stdin), stdout: stdout, stderr: stderr),
        environment: env, currentDirectory: directory)
    return (session, stdout, stderr)
}

/// Runs one line through the dispatcher; returns status, stdout and stderr.
func run(_ line: String, in session: Session, out: BufferSink, err: BufferSink) async -> (Int32, String, String) {
    let before = (out.text.count, err.text.count)
    let status = await Dispatcher(session: session).execute(line: line)
    return (status, String(out.text.dropFirst(before.0)), String(err.text.dropFirst(before.1)))
}

/// Compares text with a golden file under Tests/CommandsTests/Golden; `ARS_UPDATE_GOLDEN=1` rewrites it.
func golden(_ name: String, _ actual: String) throws -> (expected: String, actual: String) {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)").path
    if ProcessInfo.processInfo.environment["ARS_UPDATE_GOLDEN"] == "1" {
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
    }
    let expected = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing golden file \(name); run with ARS_UPDATE_GOLDEN=1>"
    return (expected, actual)
}

let sampleConfig = """
    defaults:
      node: G14
      lane: v01
    nodes:
      G14:
        bridge:
          kind: trans
        lanes:
          v01:
            restBaseUrl: https://agentrun-v01.example.invalid
            namespace: agentrun-v01
          v01b:
            restBaseUrl: https://agentrun-v01b.example.invalid
            namespace: agentrun-v01b
      D601:
        bridge:
          kind: ssh
          host: d601.example.invalid
        lanes:
          v02:
            restBaseUrl: https://agentrun-v02.example.invalid
            namespace: agentrun-v02
            yamlOnly: true

    """

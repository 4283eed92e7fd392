import Commands
import LegacyPlugin
import Testing

@Suite("Legacy Code Queue guards")
struct LegacyPluginTests {
    @Test(
        "every frozen write refuses with exit 4 and names its replacement",
        arguments: [
            ("codex submit --prompt hi", "create task"),
            ("codex enqueue x y", "dispatch task/ID"),
            ("codex steer t-1 --message go", "steer task/ID"),
            ("codex resume s-1", "send session/ID"),
            ("codex queue create q", "apply -f"),
            ("codex queue merge a b", "apply -f"),
            ("codex move t-1 q2", "cancel task/ID"),
        ])
    func frozen(line: String, replacement: String) async throws {
        let stdout = BufferSink(), stderr = BufferSink()
        let session = Session(
            registry: try CommandRegistry(plugins: [BuiltinsPlugin(), LegacyPlugin()]), mode: .oneShot,
            io: IOStreams(stdin: StringSource(""), stdout: stdout, stderr: stderr), environment: [:])
        let status = await Dispatcher(session: session).execute(line: line)
        #expect(status == 4)
        #expect(stdout.text.isEmpty)
        #expect(stderr.text.contains("error[frozen]"))
        #expect(stderr.text.contains(replacement))
    }

    @Test("help on a frozen command explains the freeze instead of refusing")
    func help() async throws {
        let stdout = BufferSink()
        let session = Session(
            registry: try CommandRegistry(plugins: [BuiltinsPlugin(), LegacyPlugin()]), mode: .oneShot,
            io: IOStreams(stdin: StringSource(""), stdout: stdout, stderr: BufferSink()), environment: [:])
        #expect(await Dispatcher(session: session).execute(line: "codex submit --help") == 0)
        #expect(stdout.text.contains("The old UniDesk Code Queue is frozen"))
    }
}

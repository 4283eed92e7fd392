import Foundation
import SandboxCore

// `ars-sandbox`: a local AgentRun lane. Exit codes: 0 clean shutdown, 1 failure while serving,
// 2 usage error (including a missing ARS_SANDBOX_API_KEY).

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("ars-sandbox: \(message)\n".utf8))
    exit(code)
}

// Everything the sandbox creates (databases, kubeconfig, git repositories) is the user's alone.
umask(0o077)

let invocation: SandboxOptions.Invocation
do {
    invocation = try SandboxOptions.parse(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
} catch {
    fail("\(error)\n\n\(SandboxOptions.usage)", code: 2)
}

switch invocation {
case .help:
    print(SandboxOptions.usage)
case .run(let options):
    if let parent = options.parentProcess { ParentWatch.start(parent: parent) }
    do {
        try await SandboxServer.run(options)
    } catch {
        fail("\(error)", code: 1)
    }
}

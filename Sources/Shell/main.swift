import FoundationEssentials
import Glibc

// The `ars` executable: parse the binary's own arguments, wire the plugins, and hand over to a
// one-shot run, the REPL or piped-script mode.
let status = await Launcher(arguments: Array(CommandLine.arguments.dropFirst())).run()
exit(status)

import Commands

/// The `.ars` script language as commands: `run FILE` (with evidence, JUnit, record and replay)
/// and `check FILE`. Registered like any plugin; the language itself (grammar, expressions,
/// runner, checker, evidence reporters) is this module's.
public struct ScriptPlugin: CommandPlugin {
    public init() {}

    public let name = "script"

    public var commands: [any Command] { [RunScriptCommand(), CheckScriptCommand()] }
}

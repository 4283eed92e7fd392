import Commands
import ControlPlanePlugin
import EgressPlugin
import GitMirrorPlugin
import LegacyPlugin
import QueuePlugin
import ScriptLanguage
import WorktreePlugin

/// The explicit list of plugins this build of ars carries. A new plugin is added here and nowhere else.
enum Plugins {
    static let all: [any CommandPlugin] = [
        BuiltinsPlugin(),
        ScriptPlugin(),
        QueuePlugin(),
        ControlPlanePlugin(),
        WorktreePlugin(),
        GitMirrorPlugin(),
        EgressPlugin(),
        LegacyPlugin(),
    ]
}

import Commands
import ControlPlanePlugin
import LegacyPlugin
import QueuePlugin
import WorktreePlugin

/// The explicit list of plugins this build of ars carries. A new plugin is added here and nowhere else.
enum Plugins {
    static let all: [any CommandPlugin] = [
        BuiltinsPlugin(),
        QueuePlugin(),
        ControlPlanePlugin(),
        WorktreePlugin(),
        LegacyPlugin(),
    ]
}

import Commands
import LegacyPlugin
import QueuePlugin

/// The explicit list of plugins this build of ars carries. A new plugin is added here and nowhere else.
enum Plugins {
    static let all: [any CommandPlugin] = [
        BuiltinsPlugin(),
        QueuePlugin(),
        LegacyPlugin(),
    ]
}

import Digest

/// SHA-256 for commands and plugins (see `Digest.SHA256`).
public typealias SHA256 = Digest.SHA256

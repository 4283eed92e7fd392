/// Why a turn failed, with the side that owns the fault (see the contract's failure table).
enum FailureKind: String, Codable, Sendable, CaseIterable {
    case threadResumeFailed = "thread-resume-failed"
    case providerInvalidToolCall = "provider-invalid-tool-call"
    case providerAuthFailed = "provider-auth-failed"
    case providerUnavailable = "provider-unavailable"
    case providerStreamDisconnected = "provider-stream-disconnected"
    case backendFailed = "backend-failed"

    /// The side that must fix it.
    var owner: String {
        switch self {
        case .threadResumeFailed: "agentrun-backend-adapter"
        case .providerInvalidToolCall: "provider-request"
        case .providerAuthFailed, .providerUnavailable, .providerStreamDisconnected: "provider"
        case .backendFailed: "agentrun-backend"
        }
    }

    /// The failure message the simulated runner reports (no secret ever appears in one).
    func message(threadId: String) -> String {
        switch self {
        case .threadResumeFailed:
            "thread/resume failed: no rollout found for thread id \(threadId); the turn was stopped without starting a new thread"
        case .providerInvalidToolCall:
            "provider returned a tool call whose arguments are not valid JSON (commandExecution: unexpected end of input at 1:58)"
        case .providerAuthFailed:
            "provider answered 403 Forbidden: insufficient balance for this API key"
        case .providerUnavailable:
            "provider answered 503 Service Unavailable three times; giving up"
        case .providerStreamDisconnected:
            "provider stream disconnected before the response completed"
        case .backendFailed:
            "codex app-server exited with status 1 during the turn"
        }
    }
}

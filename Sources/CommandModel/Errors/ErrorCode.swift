/// A stable, greppable error code such as `unknown-node`: what scripts test (`r.error.code`),
/// evidence records and control flow compares. Codes are typed values declared here, in one
/// list, so a misspelt code does not compile; a code the AgentRun server sends is kept as it is
/// (`ErrorCode(server:)`).
public struct ErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    init(_ rawValue: String) { self.rawValue = rawValue }

    /// A code from the server's error envelope (`HTTP 409 conflict`), passed on unchanged.
    public init(server rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Every code ars itself raises, for the docs and for tests.
    public static let all: [ErrorCode] = [
        .notYamlOnly,
        .secretSource,
        .caddyInvalid,
        .forbiddenExposure,
        .rolloutTimeout,
        .branchMissing,
        .pushFailed,
        .mirrorDeclared,
        .mirrorNotGithub,
        .mirrorCredentials,
        .mirrorUnreadable,
        .apiKeyFile,
        .badBranch,
        .badChoice,
        .badHeader,
        .badId,
        .badManifest,
        .badPlan,
        .badResponse,
        .badTask,
        .badValue,
        .bridgeFailed,
        .bridgeTimeout,
        .bridgeUnavailable,
        .commandCheckFailed,
        .configChoice,
        .configEmpty,
        .configMissingKey,
        .configNotFound,
        .configRange,
        .configReference,
        .configType,
        .configUnknownKey,
        .configUnreadable,
        .configUnsafe,
        .configUrl,
        .confirmRequired,
        .connectTimeout,
        .connectionRefused,
        .connectionReset,
        .curlInit,
        .curlMulti,
        .curlOption,
        .danglingBackslash,
        .dns,
        .duplicateName,
        .emptyCommand,
        .emptyManifest,
        .evidenceWrite,
        .extraArgument,
        .fileUnreadable,
        .flagWithValue,
        .frozen,
        .gitMissing,
        .`internal`,
        .interrupted,
        .invalidRegex,
        .invalidSignature,
        .jsonSyntax,
        .jsonShape,
        .kubectlFlag,
        .kubectlOutput,
        .kubectlRefused,
        .laneKeyInvalid,
        .laneKeyMissing,
        .missingAipod,
        .missingArgument,
        .missingFile,
        .missingId,
        .missingMessage,
        .missingParam,
        .missingPrompt,
        .missingSubcommand,
        .missingValue,
        .noApiKey,
        .noBridge,
        .noRunTemplate,
        .noSandbox,
        .noSourceWorktree,
        .noTransport,
        .notFound,
        .notRecorded,
        .originUnreadable,
        .outOfMemory,
        .planChanged,
        .promptSources,
        .recordingInvalid,
        .recordingUnreadable,
        .remoteCommandFailed,
        .repeatedOption,
        .requireFailed,
        .runExists,
        .sandboxConfig,
        .sandboxStart,
        .sandboxState,
        .scriptExpression,
        .scriptSyntax,
        .scriptType,
        .scriptUnreadable,
        .sourceCycle,
        .timeout,
        .tls,
        .transport,
        .trustWrite,
        .unknownCommand,
        .unknownFunction,
        .unknownKind,
        .unknownLane,
        .unknownNode,
        .unknownOption,
        .unknownVar,
        .unknownVariable,
        .unterminatedQuote,
        .usage,
        .waitTimeout,
        .worktreeExists,
        .worktreeNotReady,
        .wrongKind,
        .yamlSyntax,
    ]

    public static let apiKeyFile = ErrorCode("api-key-file")
    public static let badBranch = ErrorCode("bad-branch")
    public static let badChoice = ErrorCode("bad-choice")
    public static let badHeader = ErrorCode("bad-header")
    public static let badId = ErrorCode("bad-id")
    public static let badManifest = ErrorCode("bad-manifest")
    public static let badPlan = ErrorCode("bad-plan")
    public static let badResponse = ErrorCode("bad-response")
    public static let badTask = ErrorCode("bad-task")
    public static let badValue = ErrorCode("bad-value")
    public static let bridgeFailed = ErrorCode("bridge-failed")
    public static let bridgeTimeout = ErrorCode("bridge-timeout")
    public static let bridgeUnavailable = ErrorCode("bridge-unavailable")
    public static let commandCheckFailed = ErrorCode("command-check-failed")
    public static let configChoice = ErrorCode("config-choice")
    public static let configEmpty = ErrorCode("config-empty")
    public static let configMissingKey = ErrorCode("config-missing-key")
    public static let configNotFound = ErrorCode("config-not-found")
    public static let configRange = ErrorCode("config-range")
    public static let configReference = ErrorCode("config-reference")
    public static let configType = ErrorCode("config-type")
    public static let configUnknownKey = ErrorCode("config-unknown-key")
    public static let configUnreadable = ErrorCode("config-unreadable")
    public static let configUnsafe = ErrorCode("config-unsafe")
    public static let configUrl = ErrorCode("config-url")
    public static let confirmRequired = ErrorCode("confirm-required")
    public static let connectTimeout = ErrorCode("connect-timeout")
    public static let connectionRefused = ErrorCode("connection-refused")
    public static let connectionReset = ErrorCode("connection-reset")
    public static let curlInit = ErrorCode("curl-init")
    public static let curlMulti = ErrorCode("curl-multi")
    public static let curlOption = ErrorCode("curl-option")
    public static let danglingBackslash = ErrorCode("dangling-backslash")
    public static let dns = ErrorCode("dns")
    public static let duplicateName = ErrorCode("duplicate-name")
    public static let emptyCommand = ErrorCode("empty-command")
    public static let emptyManifest = ErrorCode("empty-manifest")
    public static let evidenceWrite = ErrorCode("evidence-write")
    public static let extraArgument = ErrorCode("extra-argument")
    public static let fileUnreadable = ErrorCode("file-unreadable")
    public static let flagWithValue = ErrorCode("flag-with-value")
    public static let frozen = ErrorCode("frozen")
    public static let gitMissing = ErrorCode("git-missing")
    public static let `internal` = ErrorCode("internal")
    public static let interrupted = ErrorCode("interrupted")
    public static let invalidRegex = ErrorCode("invalid-regex")
    public static let invalidSignature = ErrorCode("invalid-signature")
    public static let jsonShape = ErrorCode("json-shape")
    public static let jsonSyntax = ErrorCode("json-syntax")
    public static let kubectlFlag = ErrorCode("kubectl-flag")
    public static let kubectlOutput = ErrorCode("kubectl-output")
    public static let kubectlRefused = ErrorCode("kubectl-refused")
    public static let laneKeyInvalid = ErrorCode("lane-key-invalid")
    public static let laneKeyMissing = ErrorCode("lane-key-missing")
    public static let missingAipod = ErrorCode("missing-aipod")
    public static let missingArgument = ErrorCode("missing-argument")
    public static let missingFile = ErrorCode("missing-file")
    public static let missingId = ErrorCode("missing-id")
    public static let missingMessage = ErrorCode("missing-message")
    public static let missingParam = ErrorCode("missing-param")
    public static let missingPrompt = ErrorCode("missing-prompt")
    public static let missingSubcommand = ErrorCode("missing-subcommand")
    public static let missingValue = ErrorCode("missing-value")
    public static let noApiKey = ErrorCode("no-api-key")
    public static let noBridge = ErrorCode("no-bridge")
    public static let noRunTemplate = ErrorCode("no-run-template")
    public static let noSandbox = ErrorCode("no-sandbox")
    public static let noSourceWorktree = ErrorCode("no-source-worktree")
    public static let noTransport = ErrorCode("no-transport")
    public static let notFound = ErrorCode("not-found")
    public static let notRecorded = ErrorCode("not-recorded")
    public static let originUnreadable = ErrorCode("origin-unreadable")
    public static let outOfMemory = ErrorCode("out-of-memory")
    public static let planChanged = ErrorCode("plan-changed")
    public static let promptSources = ErrorCode("prompt-sources")
    public static let recordingInvalid = ErrorCode("recording-invalid")
    public static let recordingUnreadable = ErrorCode("recording-unreadable")
    public static let remoteCommandFailed = ErrorCode("remote-command-failed")
    public static let repeatedOption = ErrorCode("repeated-option")
    public static let requireFailed = ErrorCode("require-failed")
    public static let runExists = ErrorCode("run-exists")
    public static let sandboxConfig = ErrorCode("sandbox-config")
    public static let sandboxStart = ErrorCode("sandbox-start")
    public static let sandboxState = ErrorCode("sandbox-state")
    public static let scriptExpression = ErrorCode("script-expression")
    public static let scriptSyntax = ErrorCode("script-syntax")
    public static let scriptType = ErrorCode("script-type")
    public static let scriptUnreadable = ErrorCode("script-unreadable")
    public static let sourceCycle = ErrorCode("source-cycle")
    public static let timeout = ErrorCode("timeout")
    public static let tls = ErrorCode("tls")
    public static let transport = ErrorCode("transport")
    public static let trustWrite = ErrorCode("trust-write")
    public static let unknownCommand = ErrorCode("unknown-command")
    public static let unknownFunction = ErrorCode("unknown-function")
    public static let unknownKind = ErrorCode("unknown-kind")
    public static let unknownLane = ErrorCode("unknown-lane")
    public static let unknownNode = ErrorCode("unknown-node")
    public static let unknownOption = ErrorCode("unknown-option")
    public static let unknownVar = ErrorCode("unknown-var")
    public static let unknownVariable = ErrorCode("unknown-variable")
    public static let unterminatedQuote = ErrorCode("unterminated-quote")
    public static let usage = ErrorCode("usage")
    public static let waitTimeout = ErrorCode("wait-timeout")
    public static let worktreeExists = ErrorCode("worktree-exists")
    public static let worktreeNotReady = ErrorCode("worktree-not-ready")
    public static let wrongKind = ErrorCode("wrong-kind")
    public static let yamlSyntax = ErrorCode("yaml-syntax")
    public static let mirrorUnreadable = ErrorCode("mirror-unreadable")
    public static let mirrorCredentials = ErrorCode("mirror-credentials")
    public static let mirrorNotGithub = ErrorCode("mirror-not-github")
    public static let mirrorDeclared = ErrorCode("mirror-declared")
    public static let notYamlOnly = ErrorCode("not-yaml-only")
    public static let secretSource = ErrorCode("secret-source")
    public static let caddyInvalid = ErrorCode("caddy-invalid")
    public static let forbiddenExposure = ErrorCode("forbidden-exposure")
    public static let rolloutTimeout = ErrorCode("rollout-timeout")
    public static let branchMissing = ErrorCode("branch-missing")
    public static let pushFailed = ErrorCode("push-failed")
}

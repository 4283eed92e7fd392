/// Who owns a failure, by its kind, with the operations reference's reasoning: what `describe`,
/// `result`, `egress` and evidence say so an issue is not closed against the wrong side.
public enum FailureOwners {
    public enum Owner: String, Sendable, CaseIterable {
        case agentRun = "AgentRun"
        case provider = "provider"
        case hwlab = "HWLAB access layer"
        case infrastructure = "UniDesk/G14 infrastructure"
    }

    public struct Attribution: Sendable {
        public let owner: Owner
        /// Why, in English and in Chinese (evidence is written in Chinese by default).
        public let reason: String
        public let reasonZh: String

        public var value: Value { .object(["owner": .string(owner.rawValue), "reason": .string(reason), "reasonZh": .string(reasonZh)]) }
    }

    /// The table, one row per failure kind; `docs/agentrun-api.md` shows the same.
    public static let table: [(kind: String, attribution: Attribution)] = [
        (
            "thread-resume-failed",
            Attribution(
                owner: .agentRun,
                reason:
                    "Codex thread/resume failed (e.g. no rollout for the thread id): AgentRun's backend adapter and rollout storage; a new thread must not be started instead",
                reasonZh: "Codex thread/resume 失败（例如找不到该 thread 的 rollout）：属于 AgentRun backend adapter 与 rollout 存储；不得改为新开 thread")
        ),
        (
            "backend-failed",
            Attribution(
                owner: .agentRun, reason: "the Codex app-server failed during the turn: AgentRun backend",
                reasonZh: "Codex app-server 在回合中失败：属于 AgentRun backend")
        ),
        (
            "bundle-materialization-failed",
            Attribution(
                owner: .agentRun,
                reason:
                    "a gitbundle could not be materialized from the mirror: AgentRun bundle materialization (unless the mirror cache lacks the repository: infrastructure)",
                reasonZh: "gitbundle 未能从 mirror 物化：属于 AgentRun bundle materialization（若 mirror 缓存缺少该仓库，则属于基础设施）")
        ),
        (
            "runner-assembly-failed",
            Attribution(
                owner: .agentRun, reason: "the runner job was assembled without its env, Secrets or tools: AgentRun runner assembly",
                reasonZh: "runner job 组装时缺少 env、Secret 或工具：属于 AgentRun runner assembly")
        ),
        (
            "stale-result",
            Attribution(
                owner: .agentRun, reason: "finalResponse is not the command's latest terminal assistant output: AgentRun result assembly",
                reasonZh: "finalResponse 不是该 command 最新的终态 assistant 输出：属于 AgentRun 结果组装")
        ),
        (
            "provider-invalid-tool-call",
            Attribution(
                owner: .provider,
                reason: "the provider returned tool-call arguments that are not valid JSON: the model provider's response, not AgentRun",
                reasonZh: "provider 返回的 tool-call 参数不是合法 JSON：属于模型 provider 的响应，不是 AgentRun")
        ),
        (
            "provider-auth-failed",
            Attribution(
                owner: .provider, reason: "the provider refused the key (403, insufficient balance): the provider account",
                reasonZh: "provider 拒绝了 key（403、余额不足）：属于 provider 账号")
        ),
        (
            "provider-unavailable",
            Attribution(
                owner: .provider, reason: "the provider kept answering 5xx: the provider", reasonZh: "provider 持续返回 5xx：属于 provider")
        ),
        (
            "provider-stream-disconnected",
            Attribution(
                owner: .provider, reason: "the provider stream broke before the response completed: the provider or the path to it",
                reasonZh: "provider 流在响应完成前中断：属于 provider 或其链路")
        ),
        (
            "hwlab-access-denied",
            Attribution(
                owner: .hwlab, reason: "the HWLAB access layer refused the runner's request: HWLAB, not AgentRun",
                reasonZh: "HWLAB 接入层拒绝了 runner 的请求：属于 HWLAB，不是 AgentRun")
        ),
        (
            "egress-unavailable",
            Attribution(
                owner: .infrastructure,
                reason:
                    "the runtime egress proxy refused or had no ready endpoint: UniDesk/G14 egress infrastructure; an issue blocked by it may not be closed as an AgentRun fix",
                reasonZh: "运行时 egress 代理拒绝连接或没有 ready endpoint：属于 UniDesk/G14 egress 基础设施；被它阻塞的 issue 不得作为 AgentRun 修复关闭")
        ),
        (
            "mirror-cache-missing",
            Attribution(
                owner: .infrastructure,
                reason: "the git-mirror cache lacks the repository: G14/devops-infra infrastructure, never worked around in an AipodSpec",
                reasonZh: "git-mirror 缓存缺少该仓库：属于 G14/devops-infra 基础设施，不得通过 AipodSpec 绕过")
        ),
    ]

    /// The attribution of a failure kind, nil for a kind the table does not know.
    public static func attribution(for kind: String) -> Attribution? {
        table.first { $0.kind == kind }?.attribution
    }
}

import Commands
import FoundationEssentials

/// What the control plane needs to know about a lane, read from its catalogue entry. A missing
/// key is a usage error that names it; nothing is guessed except documented defaults.
struct LaneFacts: Sendable {
    let lane: LaneSettings
    let worktree: SourceWorktree
    let gitopsBranch: String
    let argoNamespace: String
    let argoName: String
    let ciNamespace: String
    /// `agentrun-v01-ci-`.
    let runPrefix: String
    /// The Tekton Pipeline (`pipeline`, default: the prefix without its trailing dash).
    let pipeline: String
    let managerDeployment: String
    let mirrorCacheDir: String?
    /// The lane's repository inside the mirror cache, when the catalogue names it.
    let mirrorRepository: String?
    /// `git-url` for a new PipelineRun when no earlier run of the pipeline can serve as template.
    let pipelineGitURL: String?

    init(_ lane: LaneSettings) throws(ArsError) {
        self.lane = lane
        worktree = try SourceWorktree(lane: lane)
        gitopsBranch = try lane.required("gitops.branch")
        let app = try lane.required("argoApp").split(separator: "/", maxSplits: 1).map(String.init)
        guard app.count == 2 else {
            throw ArsError.usage(
                .laneKeyInvalid, "argoApp of lane \(lane.qualifiedName) must be namespace/name (got '\(app.joined(separator: "/"))')")
        }
        argoNamespace = app[0]
        argoName = app[1]
        guard let ci = lane.ciNamespace, !ci.isEmpty else {
            throw ArsError.usage(
                .laneKeyMissing, "lane \(lane.qualifiedName) has no 'ciNamespace' in the catalogue",
                hint: "add ciNamespace: agentrun-ci to the lane")
        }
        ciNamespace = ci
        runPrefix = try lane.required("pipelineRunPrefix")
        pipeline = lane.raw["pipeline"]?.stringValue ?? (runPrefix.hasSuffix("-") ? String(runPrefix.dropLast()) : runPrefix)
        managerDeployment = try lane.required("manager.deployment")
        mirrorCacheDir = lane.raw.lookup("gitMirror.cacheDir")?.stringValue
        mirrorRepository = lane.raw.lookup("gitMirror.repository")?.stringValue
        pipelineGitURL = lane.raw["pipelineGitUrl"]?.stringValue
    }

    /// The commit-pinned run name for a commit: `agentrun-v01-ci-3f9c2ab`.
    func runName(for commit: String) -> String { runPrefix + Kube.short(commit) }

    var pipelineTarget: PipelineTarget {
        PipelineTarget(laneName: lane.qualifiedName, ciNamespace: ciNamespace, pipeline: pipeline, pipelineGitURL: pipelineGitURL)
    }

    /// `--node G14 --lane v01`, for commands ars prints for the user to run.
    var laneFlags: String { "--node \(ShellQuote.quote(lane.node)) --lane \(ShellQuote.quote(lane.name))" }
}

/// `--node`/`--lane` plus the facts, for every control-plane command.
extension LaneFacts {
    static func resolve(_ invocation: Invocation, in session: Session) throws(ArsError) -> LaneFacts {
        try LaneFacts(try invocation.lane(in: session))
    }

    /// The client for the lane's node (run steps).
    func node(in session: Session) throws(ArsError) -> NodeClient {
        try NodeClient(session: session, lane: lane)
    }
}

extension LaneFacts: LaneScoped {}

/// The options of a control-plane write: the lane's facts and the write gate's mode.
struct GatedLane: LaneScoped {
    let facts: LaneFacts
    let mode: WriteGate.Mode
    var lane: LaneSettings { facts.lane }

    static func resolve(_ invocation: Invocation, in session: Session) throws(ArsError) -> GatedLane {
        let mode = try WriteGate.resolve(invocation)
        return GatedLane(facts: try LaneFacts.resolve(invocation, in: session), mode: mode)
    }
}

/// Where a lane's commit-pinned PipelineRuns go and what they run.
struct PipelineTarget: Sendable {
    var laneName: String
    var ciNamespace: String
    var pipeline: String
    var pipelineGitURL: String?
}

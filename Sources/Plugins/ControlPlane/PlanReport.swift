import Commands
import FoundationEssentials

/// The value a dry run or a confirmed write returns: kind `ControlPlanePlan` or `ControlPlaneChange`.
struct PlanReport {
    let command: String
    /// The lane it acts on (for the `lane` field).
    let lane: LaneSettings
    let mode: WriteGate.Mode
    let planID: String
    /// What the plan does, one line each (`delete PipelineRun agentrun-ci/agentrun-v01-ci-c07be19`).
    var actions: [String]
    /// Command-specific facts (candidates, protections, …).
    var details: [(String, Value)] = []

    var isDryRun: Bool { mode == .dryRun }

    var confirm: String { WriteGate.confirmCommand(command, planID: planID) }

    func value(done: [String] = []) -> Value {
        var object = Object([
            ("apiVersion", "ars/v1"), ("kind", .string(isDryRun ? "ControlPlanePlan" : "ControlPlaneChange")),
            ("command", .string(command)), ("lane", .string(lane.qualifiedName)),
            ("dryRun", .bool(isDryRun)), ("planId", .string(planID)),
            ("actions", .array(actions.map(Value.string))),
        ])
        for (key, value) in details { object[key] = value }
        if isDryRun {
            object["confirm"] = .string(confirm)
        } else {
            object["done"] = .array(done.map(Value.string))
        }
        return .object(object)
    }
}

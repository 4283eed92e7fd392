import Commands
import Foundation
import Testing

/// `egress` against the sandbox: the proxy's cluster objects through the real kubectl, and a
/// real HTTPS request through the sandbox's real tinyproxy to its HTTPS target.
@Suite(.serialized) struct EgressEndToEndTests {
    /// A copy of the default scenario with one document edited (JSON in, JSON out).
    static func variant(_ lane: ClusterLane, _ name: String, edits: [String: (inout [String: Any]) -> Void] = [:], egress: String? = nil)
        throws -> String
    {
        let folder = lane.home + "/" + name
        try FileManager.default.copyItem(atPath: KubectlBoundaryTests.defaultScenario, toPath: folder)
        for (file, edit) in edits {
            let path = folder + "/" + file
            var object = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            edit(&object)
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        }
        if let egress { try egress.write(toFile: folder + "/sandbox-egress.json", atomically: true, encoding: .utf8) }
        return folder
    }

    /// The first item of a List document, edited in place.
    static func firstItem(_ edit: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
        { list in
            var items = list["items"] as? [[String: Any]] ?? []
            guard !items.isEmpty else { return }
            edit(&items[0])
            list["items"] = items
        }
    }

    @Test("egress check is ok after a real request through the proxy: ready endpoint, Deployment 1/1, CONNECT 200, HTTP 200")
    func healthy() throws {
        let lane = try ClusterLane()
        let (value, result) = try lane.json(["egress", "check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(value["verdict"] == "ok", "\(value)")
        #expect(value.lookup("probe.result.connectStatus") == 200 && value.lookup("probe.result.httpStatus") == 200, "\(value)")
        #expect(value.lookup("endpoints.ready") == ["10.42.0.41"] && value.lookup("deployment.ready") == 1)
        let human = try lane.ars(["egress", "check"])
        #expect(human.stdout.contains("egress: ok"), "\(human.stdout)")
    }

    @Test(
        "each infrastructure fault gives the infrastructure verdict and owner, exit 1; a healthy proxy that cannot reach the target is upstream",
        arguments: [
            "deployment-0-of-1", "endpoints-not-ready", "image-pull-back-off", "container-status-unknown", "proxy-down", "target-down",
        ])
    func faults(fault: String) throws {
        let lane = try ClusterLane()
        let scenario: String
        let expected: (verdict: String, reason: String)
        switch fault {
        case "deployment-0-of-1":
            scenario = try Self.variant(
                lane, fault,
                edits: [
                    "unidesk-deployment-g14-provider-egress-proxy.json": { deployment in
                        var status = deployment["status"] as? [String: Any] ?? [:]
                        status["readyReplicas"] = 0
                        status["availableReplicas"] = 0
                        deployment["status"] = status
                    }
                ])
            expected = ("infrastructure", "Deployment 0/1 ready")
        case "endpoints-not-ready":
            scenario = try Self.variant(
                lane, fault,
                edits: [
                    "unidesk-endpoints-g14-provider-egress-proxy.json": { endpoints in
                        var subsets = endpoints["subsets"] as? [[String: Any]] ?? []
                        subsets[0]["notReadyAddresses"] = subsets[0]["addresses"]
                        subsets[0]["addresses"] = nil
                        endpoints["subsets"] = subsets
                    },
                    "unidesk-endpointslices-g14-provider-egress-proxy.json": Self.firstItem { slice in
                        var endpoints = slice["endpoints"] as? [[String: Any]] ?? []
                        endpoints[0]["conditions"] = ["ready": false, "serving": false, "terminating": false]
                        slice["endpoints"] = endpoints
                    },
                ])
            expected = ("infrastructure", "endpoints only notReady")
        case "image-pull-back-off", "container-status-unknown":
            let reason = fault == "image-pull-back-off" ? "ImagePullBackOff" : "ContainerStatusUnknown"
            scenario = try Self.variant(
                lane, fault,
                edits: [
                    "unidesk-pods-g14-provider-egress-proxy.json": Self.firstItem { pod in
                        var status = pod["status"] as? [String: Any] ?? [:]
                        var containers = status["containerStatuses"] as? [[String: Any]] ?? []
                        containers[0]["state"] = ["waiting": ["reason": reason, "message": "invented for the test"]]
                        containers[0]["ready"] = false
                        status["containerStatuses"] = containers
                        pod["status"] = status
                    }
                ])
            expected = ("infrastructure", reason)
        case "proxy-down":
            scenario = try Self.variant(lane, fault, egress: #"{"proxy": "down"}"#)
            expected = ("infrastructure", "the proxy refused")
        default:
            scenario = try Self.variant(lane, fault, egress: #"{"target": "down"}"#)
            expected = ("upstream", "CONNECT")
        }
        let (value, result) = try lane.json(["--scenario", scenario, "egress", "check"])
        #expect(result.status == 1, "\(fault): \(result.stdout)\(result.stderr)")
        #expect(value["verdict"] == .string(expected.verdict), "\(fault): \(value)")
        #expect(value["reason"]?.stringValue?.contains(expected.reason) == true, "\(fault): \(value["reason"] ?? .null)")
        if expected.verdict == "infrastructure" {
            #expect(value["owner"] == "UniDesk/G14 runtime egress infrastructure")
            #expect(value["meaning"]?.stringValue?.contains("not an AgentRun failure") == true)
        }
    }

    @Test(
        "egress runner-env shows names and Secret metadata, never a value; a missing NO_PROXY entry and a literal credential fail as AgentRun runner assembly"
    )
    func runnerEnv() throws {
        let lane = try ClusterLane()
        let secretValue = "fixture-not-a-real-key-7f3c"
        for format in ["json", "yaml", "human"] {
            let result = try lane.ars(["egress", "runner-env", "--pod", "agentrun-runner-5qv8d-z8k96", "-o", format])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(!result.stdout.contains(secretValue) && !result.stderr.contains(secretValue))
            #expect(result.stdout.contains("valuesPrinted"), "\(format)")
        }
        let ok = try lane.json(["egress", "runner-env", "--pod", "agentrun-runner-5qv8d-z8k96"]).value
        #expect(ok["verdict"] == "ok" && ok["valuesPrinted"] == false)
        #expect(ok["secrets"]?.arrayValue?.first?["keys"] == ["HWLAB_API_KEY"])
        #expect(ok["secrets"]?.arrayValue?.first?["owners"] == ["Job/agentrun-runner-5qv8d"])

        let literal = "ghp_literalTokenInTheSpec0123"
        let scenario = try Self.variant(
            lane, "bad-runner-env",
            edits: [
                "agentrun-v01-pods.json": { list in
                    var items = list["items"] as? [[String: Any]] ?? []
                    guard
                        let index = items.firstIndex(where: {
                            (($0["metadata"] as? [String: Any])?["name"] as? String) == "agentrun-runner-5qv8d-z8k96"
                        })
                    else { return }
                    var spec = items[index]["spec"] as? [String: Any] ?? [:]
                    var containers = spec["containers"] as? [[String: Any]] ?? []
                    var env = (containers[0]["env"] as? [[String: Any]] ?? []).filter {
                        !["NO_PROXY", "no_proxy"].contains($0["name"] as? String ?? "")
                    }
                    env.append(["name": "NO_PROXY", "value": "localhost,127.0.0.1"])
                    env.append(["name": "GITHUB_TOKEN", "value": literal])
                    containers[0]["env"] = env
                    spec["containers"] = containers
                    items[index]["spec"] = spec
                    list["items"] = items
                }
            ])
        let bad = try lane.json(["--scenario", scenario, "egress", "runner-env", "--pod", "agentrun-runner-5qv8d-z8k96"])
        #expect(bad.result.status == 1)
        let failed = (bad.value["checks"]?.arrayValue ?? []).filter { $0["ok"] == false }.compactMap { $0["name"]?.stringValue }
        #expect(failed == ["no-proxy", "no-literal-credential"], "\(bad.value)")
        #expect(bad.value["owner"] == "AgentRun runner assembly")
        #expect(!bad.result.stdout.contains(literal) && !bad.result.stderr.contains(literal))
    }
}

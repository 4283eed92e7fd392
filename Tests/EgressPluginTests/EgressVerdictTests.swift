import Commands
import Foundation
import Testing

@testable import EgressPlugin

/// The verdict and its owner, from the fixture's healthy proxy and its broken variants.
@Suite("egress verdicts")
struct EgressVerdictTests {
    /// The fixture's proxy (`shared/fixtures/k8s/unidesk-*-g14-provider-egress-proxy.json`): 1/1 ready,
    /// one ready endpoint, a running pod; the probe answered CONNECT 200 and HTTP 200.
    static func healthy() -> EgressReport {
        var report = EgressReport()
        report.serviceFound = true
        report.clusterIP = "10.43.201.9"
        report.servicePort = 3128
        report.readyAddresses = ["10.42.0.41"]
        report.sliceReady = 1
        report.deploymentFound = true
        report.desiredReplicas = 1
        report.readyReplicas = 1
        report.pods = [
            PodStatus(["metadata": ["name": "p"], "status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]])
        ]
        report.probe = ProbeResult(exit: 0, connectStatus: 200, httpStatus: 200)
        return report
    }

    @Test func healthyIsOk() {
        #expect(Self.healthy().verdict == .ok)
    }

    @Test(
        "each infrastructure fault makes the infrastructure the owner",
        arguments: ["deployment 0/1", "endpoints only notReady", "ImagePullBackOff", "ContainerStatusUnknown", "proxy refused"])
    func infrastructure(fault: String) {
        var report = Self.healthy()
        switch fault {
        case "deployment 0/1": report.readyReplicas = 0
        case "endpoints only notReady":
            report.readyAddresses = []
            report.notReadyAddresses = ["10.42.0.41"]
            report.sliceReady = 0
            report.sliceNotReady = 1
        case "ImagePullBackOff", "ContainerStatusUnknown":
            report.pods = [
                PodStatus([
                    "metadata": ["name": "p"],
                    "status": [
                        "phase": "Pending",
                        "containerStatuses": [["restartCount": 0, "state": ["waiting": ["reason": .string(fault)]]]],
                    ],
                ])
            ]
        default: report.probe = ProbeResult(exit: 7, connectStatus: 0, httpStatus: 0, error: "Failed to connect")
        }
        #expect(report.verdict == .infrastructure, "\(fault): \(report.reason)")
        #expect(report.verdict.meaning.contains("not an AgentRun failure"))
    }

    @Test("a healthy proxy that cannot reach the target is upstream")
    func upstream() {
        var report = Self.healthy()
        report.probe = ProbeResult(exit: 56, connectStatus: 502, httpStatus: 0, error: "CONNECT tunnel failed, response 502")
        #expect(report.verdict == .upstream)
    }

    @Test("the probe's output is read field by field")
    func probeOutput() {
        let probe = ProbeResult(output: "\nconnect=200 code=404 tcp=0.001 tls=0.010 total=0.020 exit=0\n")
        #expect(probe.connectStatus == 200 && probe.httpStatus == 404 && probe.exit == 0 && probe.totalSeconds == 0.02)
        #expect(probe.error.isEmpty)
        let refused = ProbeResult(
            output: "curl: (7) Failed to connect to 127.0.0.1 port 1\n\nconnect=000 code=000 tcp=0.000 tls=0.000 total=0.001 exit=7\n")
        #expect(refused.proxyUnreachable && refused.error == "curl: (7) Failed to connect to 127.0.0.1 port 1")
        #expect(
            !ProbeResult.script(proxy: "10.43.201.9:3128", host: "codeload.github.com", caFile: nil).contains("/tmp"),
            "writes nothing on the node")
    }
}

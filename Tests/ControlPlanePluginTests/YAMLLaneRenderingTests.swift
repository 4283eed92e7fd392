import Commands
import Foundation
import Testing

@testable import ControlPlanePlugin

/// A YAML-only lane's desired state, rendered from `config/agentrun.yaml`'s D601/v02 alone, and
/// the pure pieces around it: the exposure rule, the Secret source format, the site file, diffs.
@Suite struct YAMLLaneRenderingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let commit = "3f9c2ab1c0de5f1e2d3c4b5a69788796a5b4c3d2"

    static func facts() throws -> YAMLLaneFacts {
        let catalog = try ConfigLoader.load(path: root.appendingPathComponent("config/agentrun.yaml").path, source: "test").catalog
        return try YAMLLaneFacts(try #require(catalog.node("D601")?.lane("v02")))
    }

    @Test func theDeploymentCarriesTheImageForTheCommitPlainEnvAndSecretReferencesOnly() throws {
        let desired = DesiredState(facts: try Self.facts(), commit: Self.commit)
        #expect(desired.manifests.map { $0["kind"]?.stringValue } == ["Namespace", "Deployment", "Service"])
        let container = try #require(desired.manifests[1].lookup("spec.template.spec.containers")?.arrayValue?.first)
        #expect(container["image"] == .string("registry.d601.unidesk.invalid/agentrun/manager:\(Self.commit)"))
        let env = container["env"]?.arrayValue ?? []
        #expect(env.first == ["name": "AGENTRUN_LANE", "value": "v02"])
        #expect(env.contains(["name": "AGENTRUN_DB_HOST", "value": "platform-db.d601.unidesk.invalid"]))
        #expect(env.contains(["name": "AGENTRUN_DB_PORT", "value": "5432"]))
        let password = try #require(env.first { $0["name"] == "AGENTRUN_DB_PASSWORD" })
        #expect(password.lookup("valueFrom.secretKeyRef") == ["name": "agentrun-v02-db", "key": "POSTGRES_PASSWORD"])
        #expect(password["value"] == nil)
        // Every Secret key reaches the manager by reference, none by value.
        #expect(
            env.filter { $0["valueFrom"] != nil }.compactMap { $0["name"]?.stringValue } == [
                "AGENTRUN_DB_PASSWORD", "POSTGRES_PASSWORD", "DATABASE_URL",
            ])
        #expect(desired.manifests[2].lookup("spec.type") == "ClusterIP")
        #expect(ExposureGuard.violations(in: desired.manifests).isEmpty)
    }

    @Test func theFilesAreTheManifestsUnderThePathAndTheArtifactCatalogAndRenderTheSameTwice() throws {
        let facts = try Self.facts()
        let desired = DesiredState(facts: facts, commit: Self.commit)
        #expect(
            desired.files.map(\.path) == [
                "deploy/agentrun-v02/namespace.yaml", "deploy/agentrun-v02/manager-deployment.yaml",
                "deploy/agentrun-v02/manager-service.yaml",
                "artifacts/agentrun-v02.yaml",
            ])
        #expect(desired.files == DesiredState(facts: facts, commit: Self.commit).files)
        let catalog = try #require(desired.files.last?.text)
        #expect(catalog.contains("kind: ArtifactCatalog"))
        #expect(catalog.contains("commit: \(Self.commit)"))
        #expect(catalog.contains("dockerfile: Dockerfile"))
        // Before deploy/deploy.json's removal commit exists, the plan says so instead of guessing.
        let pending = DesiredState(facts: facts, commit: nil)
        #expect(pending.files[1].text.contains(DesiredState.pendingCommit))
    }

    @Test func anIngressANodePortALoadBalancerAHostPortAndHostNetworkAreForbidden() {
        let manifests: [Value] = [
            ["kind": "Ingress", "metadata": ["name": "web", "namespace": "agentrun-v02"]],
            ["kind": "Service", "metadata": ["name": "np"], "spec": ["type": "NodePort"]],
            ["kind": "Service", "metadata": ["name": "lb"], "spec": ["type": "LoadBalancer"]],
            ["kind": "Service", "metadata": ["name": "ok"], "spec": ["type": "ClusterIP"]],
            [
                "kind": "Deployment", "metadata": ["name": "m"],
                "spec": [
                    "template": [
                        "spec": ["hostNetwork": true, "containers": [["name": "c", "ports": [["containerPort": 80, "hostPort": 80]]]]]
                    ]
                ],
            ],
        ]
        #expect(
            ExposureGuard.violations(in: manifests) == [
                "Ingress agentrun-v02/web", "Service np of type NodePort", "Service lb of type LoadBalancer",
                "Deployment m container c hostPort 80",
                "Deployment m with hostNetwork",
            ])
    }

    @Test func secretSourceLinesParseInEveryFormExportWrites() throws {
        let entries = try SecretMaterial.parse(
            "# exported\n\nexport A=1\nB=\"two \\\"quoted\\\" \\n\"\r\n  C='x=y'\nD=\n", file: "s.env")
        #expect(entries.map(\.key) == ["A", "B", "C", "D"])
        #expect(entries.map(\.value) == ["1", "two \"quoted\" \n", "x=y", ""])
    }

    @Test func aBadSecretSourceLineNamesFileLineAndColumnButNeverItsText() {
        for (text, position, what) in [
            ("A=1\nhunter2-no-equals\n", "s.env:2:1", "expected KEY=value"),
            ("A=1\n 9X=secretvalue\n", "s.env:2:2", "is not a key"),
            ("A=\"secretvalue\n", "s.env:1:3", "unterminated"),
            ("A=1\nA=secretvalue\n", "s.env:2:1", "set twice"),
        ] {
            #expect(throws: ArsError.self) { try SecretMaterial.parse(text, file: "s.env") }
            do {
                _ = try SecretMaterial.parse(text, file: "s.env")
            } catch {
                #expect(error.message.hasPrefix(position), "\(error.message)")
                #expect(error.message.contains(what), "\(error.message)")
                #expect(!error.message.contains("secretvalue") && !error.message.contains("hunter2"))
            }
        }
    }

    @Test func theSiteReverseProxiesTheHostToTheUpstreamWithInternalTLSOnlyWhenAsked() throws {
        var exposure = try #require(try Self.facts().exposure)
        let facts = try Self.facts()
        #expect(
            ExposeCommand.site(exposure, lane: facts.lane).split(separator: "\n").dropFirst() == [
                "agentrun-v02.d601.unidesk.invalid:443 {", "\treverse_proxy 127.0.0.1:18082", "}",
            ])
        exposure.internalTLS = true
        exposure.httpsPort = 8443
        #expect(ExposeCommand.site(exposure, lane: facts.lane).contains("agentrun-v02.d601.unidesk.invalid:8443 {\n\ttls internal\n"))
        #expect(exposure.publicURL == "https://agentrun-v02.d601.unidesk.invalid:8443")
        #expect(exposure.siteFile == "/etc/caddy/sites/agentrun-v02.d601.unidesk.invalid.caddy")
    }

    @Test func theHistoricLaneIsNotYAMLOnly() throws {
        let catalog = try ConfigLoader.load(path: Self.root.appendingPathComponent("config/agentrun.yaml").path, source: "test").catalog
        #expect(throws: ArsError.self) { try YAMLLaneFacts(try #require(catalog.node("G14")?.lane("v01"))) }
    }

    @Test func aChangedFileDiffsAsUnifiedHunksWithThreeLinesOfContext() {
        let old = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "line 5\n", with: "line five\n") + "line 21\n"
        let diff = LineDiff(old: old, new: new)
        #expect(diff.added == 2 && diff.removed == 1)
        #expect(
            diff.unified() == """
                @@ -2,7 +2,7 @@
                 line 2
                 line 3
                 line 4
                -line 5
                +line five
                 line 6
                 line 7
                 line 8
                @@ -18,3 +18,4 @@
                 line 18
                 line 19
                 line 20
                +line 21
                """)
        // Changes closer than twice the context share one hunk, as in git.
        #expect(LineDiff(old: "a\nb\nc\nd\n", new: "A\nb\nc\nD\n").unified() == "@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n-d\n+D")
        #expect(LineDiff(old: old, new: old).unified().isEmpty)
        #expect(LineDiff(old: "", new: "a\nb\n").unified() == "@@ -0,0 +1,2 @@\n+a\n+b")
    }

    @Test func twoLargeUnrelatedFilesDiffAsOneRemovalAndOneAdditionWithoutAHugeTable() {
        let old = (1...2000).map { "old \($0)" }.joined(separator: "\n") + "\n"
        let new = "header\n" + (1...2000).map { "new \($0)" }.joined(separator: "\n") + "\n"
        let diff = LineDiff(old: "header\n" + old, new: new)
        #expect(diff.removed == 2000 && diff.added == 2000)
        #expect(diff.operations.first == .same("header"))
    }

    @Test func hostPortReadsAddressesAndRefusesWhatIsNotOne() {
        #expect(HostPort("127.0.0.1:18080") == HostPort("127.0.0.1:18080"))
        #expect(HostPort("[::1]:8080")?.host == "[::1]")
        for bad in ["127.0.0.1", ":80", "host:0", "host:65536", "-oProxy:22", "a b:80", "http://x:80", "x}{respond:80", "a;b:80"] {
            #expect(HostPort(bad) == nil, "\(bad)")
        }
        // A public host that would end the Caddy site block, or start another, is not a host name.
        for bad in ["a.example { respond 1 }", "a.example\nb", "-a.example", "a.example.", "ä.example", ""] {
            #expect(!DNSName.isValid(bad), "\(bad)")
        }
        #expect(DNSName.isValid("agentrun-v02.localhost") && DNSName.isValid("agentrun-v02.d601.unidesk.invalid"))
    }
}

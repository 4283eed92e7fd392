import Digest
import Foundation
@testable import SandboxCore
import Testing

/// The Kubernetes API's pieces in-process: JSON, patches, selectors, digests, ages, scenario loading.
@Suite("Kubernetes API: pieces")
struct KubeUnitTests {
    @Test("JSON keeps number text, sorts keys, escapes like Go, and reads back what it wrote")
    func json() throws {
        let value = try KubeJSON(parsing: #"{"b": 14942663, "a": [1.50, -0, 1e3, true, null], "c": "<&>\u00e9\n\ud83d\ude00"}"#)
        #expect(value.text == #"{"a":[1.50,-0,1e3,true,null],"b":14942663,"c":"\u003c\u0026\u003eé\n😀"}"#)
        #expect(try KubeJSON(parsing: value.text) == value)
        #expect(value["b"]?.integerValue == 14_942_663)
        for file in try FileManager.default.contentsOfDirectory(atPath: KubeSandbox.scenarioFolder.path) where file.hasSuffix(".json") {
            let text = try String(contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent(file), encoding: .utf8)
            let parsed = try KubeJSON(parsing: text)
            #expect(try KubeJSON(parsing: parsed.text) == parsed, "\(file)")
            let foundation = try JSONSerialization.jsonObject(with: Data(parsed.text.utf8)) as? NSDictionary
            let original = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
            #expect(foundation == original, "\(file) means the same to Foundation")
        }
    }

    @Test("the tests' kubectl-format renderer reproduces every fixture file byte for byte")
    func kubectlFormat() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: KubeSandbox.scenarioFolder.path) where file.hasSuffix(".json") {
            let text = try String(contentsOf: KubeSandbox.scenarioFolder.appendingPathComponent(file), encoding: .utf8)
            #expect(KubeExpectations.kubectlText(try KubeJSON(parsing: text)) == text, "\(file)")
            #expect(try KubeExpectations.expected(text, map: [:]) == text, "\(file): already in the server's order")
        }
        let map = ["3f9c2ab": "0000000", "7d346009055cb34f86c9e460807a08bc29d43416": String(repeating: "1", count: 40)]
        #expect(
            KubeExpectations.rewrite("ci-3f9c2ab a3f9c2ab 3f9c2abc 7d346009055cb34f86c9e460807a08bc29d43416", map: map)
                == "ci-0000000 a3f9c2ab 3f9c2abc " + String(repeating: "1", count: 40))
    }

    @Test(
        "JSON errors name line and column",
        arguments: [
            ("{\n  \"a\": 1,\n}", "3:1: expected a string key"), ("[1, 2", "1:6: unexpected end of input inside an array"),
            ("{\"a\": tru}", "1:7: invalid literal, expected true"), ("\"é\u{01}\"", "1:3: control character in a string"),
            ("{} {}", "1:4: unexpected text after the JSON value"), ("01", "1:2: unexpected text after the JSON value"),
        ])
    func jsonErrors(text: String, message: String) {
        #expect(throws: KubeJSONError.self) { try KubeJSON(parsing: text) }
        do {
            _ = try KubeJSON(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("merge patch follows RFC 7386's examples; strategic patches drop their directives")
    func mergePatch() throws {
        let cases: [(String, String, String)] = [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#), (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#), (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#), (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#), (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"a":1,"e":null}"#), (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ]
        for (target, patch, result) in cases {
            let merged = try KubePatch.apply(.merge, patch: KubeJSON(parsing: patch), to: KubeJSON(parsing: target))
            #expect(merged == (try KubeJSON(parsing: result)), "\(target) + \(patch)")
        }
        let strategic = try KubePatch.apply(
            .strategic, patch: KubeJSON(parsing: #"{"$setElementOrder/x":[1],"spec":{"$retainKeys":["a"],"a":1}}"#),
            to: KubeJSON(parsing: #"{"spec":{"b":2}}"#))
        #expect(strategic == (try KubeJSON(parsing: #"{"spec":{"a":1,"b":2}}"#)))
    }

    @Test("JSON patch: add, remove, replace, move, copy, test; a failed test refuses")
    func jsonPatch() throws {
        let target = try KubeJSON(parsing: #"{"metadata":{"labels":{"a/b":"1"}},"list":[1,2]}"#)
        let patch = try KubeJSON(
            parsing: #"""
                [{"op":"add","path":"/list/-","value":3},{"op":"add","path":"/list/0","value":0},
                 {"op":"replace","path":"/metadata/labels/a~1b","value":"2"},{"op":"copy","from":"/list/1","path":"/one"},
                 {"op":"move","from":"/one","path":"/uno"},{"op":"remove","path":"/list/3"},{"op":"test","path":"/uno","value":1}]
                """#)
        let result = try KubePatch.apply(.json, patch: patch, to: target)
        #expect(result == (try KubeJSON(parsing: #"{"metadata":{"labels":{"a/b":"2"}},"list":[0,1,2],"uno":1}"#)))
        #expect(throws: KubeStatus.self) {
            try KubePatch.apply(.json, patch: KubeJSON(parsing: #"[{"op":"test","path":"/list","value":[]}]"#), to: target)
        }
        #expect(throws: KubeStatus.self) {
            try KubePatch.apply(.json, patch: KubeJSON(parsing: #"[{"op":"remove","path":"/nope"}]"#), to: target)
        }
    }

    @Test("label selectors parse the apiserver's syntax and match as Kubernetes does")
    func labelSelectors() throws {
        let labels = ["app": "web", "tier": "front", "version": "3"]
        let cases: [(String, Bool)] = [
            ("", true), ("app=web", true), ("app==web", true), ("app!=web", false), ("missing!=x", true), ("app in (api, web)", true),
            ("app notin (api,web)", false), ("missing notin (x)", true), ("app", true), ("!app", false), ("!missing", true),
            ("app=web,tier=back", false), ("app=web, tier in (front)", true), ("version>2", true), ("version<3", false),
            ("missing in (x)", false),
        ]
        for (text, expected) in cases {
            #expect(try KubeLabelSelector(parsing: text).matches(labels) == expected, "\(text)")
        }
        for bad in ["app in web", "a=b=c", "app=(x", ",app", "app=web,", "bad key=x"] {
            #expect(throws: KubeStatus.self, "\(bad)") { try KubeLabelSelector(parsing: bad) }
        }
        let pods = KubeCatalog.pods
        #expect(
            try KubeFieldSelector(parsing: "metadata.name=a,metadata.namespace!=b", resource: pods).matches(
                KubeJSON(parsing: #"{"metadata":{"name":"a","namespace":"c"}}"#)))
        #expect(throws: KubeStatus.self) { try KubeFieldSelector(parsing: "spec.replicas=1", resource: KubeCatalog.statefulSets) }
    }

    @Test("SHA-256 matches the standard vectors and the names Tekton gave the scenario's claims and assistants")
    func digests() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(KubeSimulation.digest10("source" + "4f537f76-5dbb-451d-a6e5-230b3a9d7c47") == "882aa3a549")
        #expect(KubeSimulation.digest10("source" + "66e823a1-ac95-4c54-899b-65000097a00a") == "ce11337402")
        #expect(KubeSimulation.digest10("source" + "agentrun-v01-ci-3f9c2ab") == "fcb176bc64")
        let uid = KubeIdentity.uid("x")
        #expect(uid.count == 36 && uid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] && uid == KubeIdentity.uid("x"))
    }

    @Test(
        "ages read as kubectl prints them",
        arguments: [
            (0, "0s"), (119, "119s"), (120, "2m"), (125, "2m5s"), (600, "10m"), (10_799, "179m"), (10_800, "3h"), (11_400, "3h10m"),
            (28_800, "8h"), (172_799, "47h"), (172_800, "2d"), (180_000, "2d2h"), (691_200, "8d"), (63_072_000, "2y"), (63_158_400, "2y1d"),
        ])
    func ages(seconds: Int64, text: String) {
        #expect(KubeTable.humanDuration(seconds) == text)
    }

    @Test("the default scenario: its NOW, every object once (the newest state of the Application), namespaces implied")
    func defaultScenario() throws {
        let scenario = try KubeScenario.load(directory: nil, rewrite: { $0 })
        #expect(scenario.now == Timestamp(rfc3339: "2025-11-18T09:00:00Z"))
        #expect(scenario.identity == "builtin:g14-healthy#2")
        let keys = scenario.objects.map(KubeScenario.objectKey)
        #expect(Set(keys).count == keys.count)
        let apps = scenario.objects.filter { $0.string("kind") == "Application" }
        #expect(apps.compactMap { $0.string("metadata", "name") } == ["agentrun-g14-v01", "agentrun-local-v02"])
        #expect(apps.first?.string("metadata", "resourceVersion") == "14943054")
        #expect(scenario.objects.count == 47, "27 files, 48 items, the v01 Application twice")
        let rewritten = try KubeScenario.load(
            directory: nil,
            rewrite: { $0.replacingOccurrences(of: "7d346009055cb34f86c9e460807a08bc29d43416", with: String(repeating: "f", count: 40)) })
        let app = try #require(rewritten.objects.first { $0.string("kind") == "Application" })
        #expect(app.string("status", "sync", "revision") == String(repeating: "f", count: 40), "the rewrite runs before parsing")
    }
}

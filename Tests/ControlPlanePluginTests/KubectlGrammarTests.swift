import Commands
import Testing

@testable import ControlPlanePlugin

/// `ars kubectl` reads the line with kubectl's own grammar: no arrangement of flags lets a
/// write, another cluster or identity, a file, or an unknown flag through.
@Suite struct KubectlGrammarTests {
    func words(_ line: String) -> [String] { line.split(separator: " ").map(String.init) }

    func refusal(_ line: String) -> ArsError? {
        do {
            _ = try KubectlGrammar.read(words(line))
            return nil
        } catch {
            return error
        }
    }

    @Test("reads pass, with the flags in any order kubectl accepts")
    func readsPass() throws {
        for line in [
            "get pods", "-n agentrun-v01 get pods", "get pods -n agentrun-v01", "get -n=agentrun-v01 pods -o yaml",
            "--namespace agentrun-ci get pipelineruns.tekton.dev -l tekton.dev/pipeline=agentrun-v01-ci -o json",
            "get pods -nagentrun-v01 -owide", "-v=6 get pods", "--v 4 get pods", "get pods -A --no-headers",
            "describe pod agentrun-manager-x -n agentrun-v01", "describe deploy/agentrun-manager", "logs pod/x -c manager --tail 20",
            "logs x -p", "top pod -n agentrun-v01", "top nodes", "explain pods.spec", "api-resources --namespaced",
            "version --client -o json", "events -n agentrun-v01 --for pod/x", "cluster-info", "auth can-i get pods",
            "get pods -o jsonpath={.items[*].metadata.name}", "get secret s -o go-template={{.data}}",
            "--request-timeout=5s get pods", "get pods --all-namespaces=true",
        ] {
            #expect(refusal(line) == nil, "\(line): \(refusal(line)?.message ?? "")")
        }
        let read = try KubectlGrammar.read(words("-n agentrun-v01 get pods x -l app=y -o yaml"))
        #expect(read.verb == ["get"])
        #expect(read.operands == ["pods", "x"])
        #expect(read.output == "yaml")
        #expect(read.scope == ["--namespace=agentrun-v01", "--selector=app=y"])
    }

    @Test("a global flag's value can never become the verb (the --cache-dir delete case)")
    func flagValuesAreNotVerbs() {
        for line in [
            "--cache-dir get -n agentrun-v01 delete deploy agentrun-manager", "--kubeconfig get delete deploy x",
            "--context x delete deploy y", "-s https://evil.invalid get pods", "--as admin get pods",
            "--token abc get pods", "--profile-output /tmp/x get pods", "--log-file /tmp/x get pods",
        ] {
            let error = refusal(line)
            #expect(error?.kind == .refused, "\(line) was not refused")
            #expect(error?.exitCode == 4)
        }
        #expect(refusal("--cache-dir get -n agentrun-v01 delete deploy agentrun-manager")?.message.contains("--cache-dir") == true)
    }

    @Test("writes, plugins and unknown verbs are refused wherever they stand")
    func writesAreRefused() {
        for line in [
            "delete pods --all", "-n x delete pods", "apply -f x.yaml", "edit deploy x", "patch deploy x -p {}", "exec -it x -- sh",
            "port-forward x 8080", "proxy", "debug x", "cp x:/a /b", "label pod x a=b", "annotate pod x a=b", "scale deploy x --replicas 0",
            "rollout restart deploy x", "create secret generic x", "run x --image y", "krew install x", "foo", "config view",
            "cluster-info dump --output-directory /tmp/x", "auth reconcile -f x", "top", "top bogus",
        ] {
            #expect(refusal(line)?.kind == .refused, "\(line) was not refused")
        }
    }

    @Test("-f, -k, --raw, watches, follows, file templates and high verbosity are refused")
    func unprovableReadsAreRefused() {
        let cases: [(String, String)] = [
            ("get -f ref.json -o yaml", "file"), ("get --filename=ref.json", "file"), ("describe -k dir", "kustomization"),
            ("get --raw /api/v1/namespaces/x/secrets", "--raw"), ("get pods -w", "watch"), ("get pods --watch-only", "watch"),
            ("logs x -f", "follow"), ("logs x --follow", "follow"), ("get pods -o jsonpath-file=/etc/passwd", "file"),
            ("-v=9 get pods", "headers"), ("get pods -R", "-f"), ("get pods --bogus", "does not know"), ("get pods -- x", "'--'"),
        ]
        for (line, words) in cases {
            let error = refusal(line)
            #expect(error?.kind == .refused, "\(line) was not refused")
            #expect(error?.message.contains(words) == true, "\(line): \(error?.message ?? "")")
        }
    }

    @Test("a malformed line is a usage error, not a refusal")
    func malformed() {
        #expect(refusal("")?.code == .missingArgument)
        #expect(refusal("-n")?.kind == .usage)
        #expect(refusal("get pods -n")?.kind == .usage)
    }

    @Test("a get or describe is read as JSON first: the same objects for get, the kinds for describe")
    func objectReads() throws {
        func objectRead(_ line: String) throws -> [String]? { KubectlGrammar.objectRead(of: try KubectlGrammar.read(words(line))) }
        #expect(try objectRead("-n agentrun-v01 get secret s -o yaml") == ["get", "secret", "s", "--namespace=agentrun-v01"])
        #expect(try objectRead("describe pods agentrun-manager -n agentrun-v01") == ["get", "pods", "--namespace=agentrun-v01"])
        #expect(try objectRead("describe pod/a deploy/b -l x=y") == ["get", "pod,deploy", "--selector=x=y"])
        #expect(try objectRead("logs x") == nil)
        #expect(try objectRead("get") == nil)
    }
}

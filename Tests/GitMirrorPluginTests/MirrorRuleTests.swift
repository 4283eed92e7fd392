import Commands
import Foundation
import Testing

@testable import GitMirrorPlugin

@Suite("git-mirror rule and cache listing")
struct MirrorRuleTests {
    let rule = MirrorRule(baseURL: "http://git-mirror.devops-infra.svc.cluster.local:8080")

    @Test(
        "every spelling of a GitHub repository maps to the same mirror read URL and cache path",
        arguments: [
            "https://github.com/pikasTech/unidesk", "https://github.com/pikasTech/unidesk.git", "https://github.com/pikasTech/unidesk/",
            "git@github.com:pikasTech/unidesk.git", "ssh://git@github.com/pikasTech/unidesk.git", "HTTPS://GitHub.com/pikasTech/unidesk",
        ])
    func spellings(url: String) throws {
        let rewrite = try rule.rewrite(url)
        #expect(rewrite.mirrorURL == "http://git-mirror.devops-infra.svc.cluster.local:8080/github.com/pikasTech/unidesk.git")
        #expect(rewrite.cachePath == "github.com/pikasTech/unidesk.git")
        #expect(rewrite.repository == "pikasTech/unidesk")
    }

    @Test("another host is not mirrored, and says so")
    func otherHosts() throws {
        let rewrite = try rule.rewrite("https://gitlab.example.com/team/repo.git")
        #expect(rewrite.mirrorURL == nil && rewrite.cachePath == nil)
        #expect(rewrite.steps.last?.contains("not GitHub") == true)
    }

    @Test(
        "a URL with credentials is refused, and the refusal never shows them",
        arguments: [
            ("https://user:hunter2-pw@github.com/pikasTech/unidesk", "hunter2-pw"),
            ("https://ghp_0123456789abcdef@github.com/pikasTech/unidesk", "ghp_0123456789abcdef"),
            ("https://github.com/pikasTech/unidesk?access_token=tok-98765", "tok-98765"),
            ("https://github.com/pikasTech/unidesk#frag-secret", "frag-secret"),
            ("deploy@github.com:pikasTech/unidesk.git", "deploy"),
        ])
    func credentials(url: String, secret: String) {
        #expect {
            try rule.rewrite(url)
        } throws: { error in
            guard let error = error as? ArsError else { return false }
            let text = ErrorReport.render(error)
            return error.code == .mirrorCredentials && error.exitCode == 2 && !text.contains(secret)
        }
    }

    @Test("a GitHub URL that is not OWNER/NAME is a usage error")
    func notARepository() {
        #expect(throws: ArsError.self) { try rule.rewrite("https://github.com/pikasTech") }
        #expect(throws: ArsError.self) { try rule.rewrite("https://github.com/a/b/c") }
        #expect(throws: ArsError.self) { try rule.rewrite("file:///etc/passwd") }
    }

    @Test("the cache listing is read field by field")
    func listing() {
        let cache = MirrorCache.parse(
            """
            repo github.com/pikasTech/unidesk.git
            head main 0123456789abcdef0123456789abcdef01234567
            fetched 2025-11-18T08:00:00Z
            upstream https://github.com/pikasTech/unidesk
            default main
            refs 3
            size 120
            repo github.com/pikasTech/empty.git
            upstream
            default
            refs 0
            size 8
            """, cacheDir: "/srv/git-mirror")
        #expect(cache.repositories.count == 2)
        let unidesk = cache.repositories[0]
        #expect(unidesk.head == "0123456789abcdef0123456789abcdef01234567")
        #expect(unidesk.upstream == "https://github.com/pikasTech/unidesk" && unidesk.refCount == 3 && unidesk.sizeBytes == 120 * 1024)
        #expect(cache.repositories[1].upstream == nil && cache.repositories[1].head == nil)
        let now = RFC3339.parse("2025-11-18T09:00:00Z")!
        #expect(!CachedRepository(unidesk, now: now, staleAfterHours: 24).stale)
        #expect(CachedRepository(unidesk, now: now, staleAfterHours: 0).stale)
        #expect(CachedRepository(cache.repositories[1], now: now, staleAfterHours: 24).stale, "never fetched is stale")
    }
}

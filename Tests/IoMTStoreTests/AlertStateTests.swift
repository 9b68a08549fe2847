import IoMTCore
import Testing
@testable import IoMTStore

/// Migration 5: rule sets recorded and their changes audited; acknowledgements and silences kept in order.
@Suite struct AlertStateTests {
    @Test func aNewRuleSetIsAuditedWithOldAndNewVersions() async throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.database)
        let t = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        #expect(try await store.recordRuleSet(hash: "aaaa", version: "v1", source: "/etc/r.json", text: "{1}", actor: "iomtd (uid 0)", at: t))
        #expect(try await !store.recordRuleSet(hash: "aaaa", version: "v1", source: "/etc/r.json", text: "{1}", actor: "iomtd (uid 0)", at: t.adding(milliseconds: 1)))
        #expect(try await store.recordRuleSet(hash: "bbbb", version: "v2", source: "/etc/r.json", text: "{2}", actor: "iomtd (uid 0)", at: t.adding(milliseconds: 2)))
        let audit = try await store.auditLog(limit: 10).filter { $0.2 == "rules-change" }
        #expect(audit.map(\.3) == ["old version v1 (aaaa) → new version v2 (bbbb) from /etc/r.json",
                                   "old none → new version v1 (aaaa) from /etc/r.json"])
        #expect(try await store.ruleSetText(hash: "aaaa") == "{1}")
        // Going back to v1 is a change too.
        #expect(try await store.recordRuleSet(hash: "aaaa", version: "v1", source: "/etc/r.json", text: "{1}", actor: "iomtd (uid 0)", at: t.adding(milliseconds: 3)))
    }

    @Test func actionsComeBackInOrderAndStateFollowsThem() async throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.database)
        let t = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        try await store.recordAlertAction(episode: "e1", kind: .silence, until: t.adding(milliseconds: 900_000), actor: "uid 1000", at: t)
        let second = try await store.recordAlertAction(episode: "e1", kind: .acknowledge, until: nil, actor: "uid 1001", at: t.adding(milliseconds: 5))
        #expect(try await store.alertActions(after: 0).map(\.kind) == [.silence, .acknowledge])
        #expect(try await store.alertActions(after: second).isEmpty)
        let state = try await store.episodeState("e1")
        #expect(state.acknowledged?.by == "uid 1001")
        #expect(state.silencedUntil == t.adding(milliseconds: 900_000))
        #expect(try await store.auditLog(limit: 5).map(\.2) == ["alert-acknowledge", "alert-silence"])
    }
}

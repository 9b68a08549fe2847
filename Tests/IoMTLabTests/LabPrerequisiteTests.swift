import Glibc
import IoMTLab
import Testing

/// A missing tool skips a test only outside CI; with CI=true the test runs and its first use fails, naming the tool.
@Suite(.serialized) struct LabPrerequisiteTests {
    static let missing = LabPrerequisite(name: "frobnicator", remedy: "Debian package frobnicator") { false }

    @discardableResult
    func withCI<T>(_ value: String?, _ body: () throws -> T) rethrows -> T {
        let saved = getenv("CI").map { String(cString: $0) }
        if let value { setenv("CI", value, 1) } else { unsetenv("CI") }
        defer { if let saved { setenv("CI", saved, 1) } else { unsetenv("CI") } }
        return try body()
    }

    @Test func missingToolRunsAndFailsInCIButSkipsElsewhere() {
        #expect(withCI("true") { Self.missing.shouldRun })
        #expect(!withCI(nil) { Self.missing.shouldRun })
        #expect(!withCI("false") { Self.missing.shouldRun })
        withCI("true") {
            #expect { try Self.missing.require() } throws: { "\($0)".contains("frobnicator is missing: Debian package frobnicator (CI=true") }
        }
        #expect(Self.missing.skipNote.contains("skipped only outside CI"))
    }

    @Test func presentToolRunsEverywhere() throws {
        let present = LabPrerequisite(name: "sh", remedy: "-") { access("/bin/sh", X_OK) == 0 }
        #expect(withCI(nil) { present.shouldRun })
        try present.require()
    }
}

import Glibc

/// Something a test needs from the machine (umockdev, dbus-daemon, python3-dbusmock, root). Where it is missing
/// the test is skipped on a developer's machine — but never in CI (`CI=true`): there the test runs and fails,
/// naming what to install, so a CI run can never pass by skipping. Use as
/// `.enabled(if: LabPrerequisite.umockdev.shouldRun, "\(LabPrerequisite.umockdev.skipNote)")` on the suite or
/// test, and call `require()` where the tool is first used, so the failure says what is missing.
public struct LabPrerequisite: Sendable {
    public let name: String
    public let remedy: String
    private let check: @Sendable () -> Bool

    public init(name: String, remedy: String, check: @escaping @Sendable () -> Bool) {
        self.name = name; self.remedy = remedy; self.check = check
    }

    public var isMet: Bool { check() }

    public static var isCI: Bool { getenv("CI").map { String(cString: $0) } == "true" }

    /// Whether the test runs: the tool is there, or CI demands it (and the test will fail without it).
    public var shouldRun: Bool { isMet || Self.isCI }

    public var skipNote: String { "needs \(name) (\(remedy)); skipped only outside CI" }

    public func require() throws(LabFailure) {
        guard isMet else {
            throw LabFailure("\(name) is missing: \(remedy)" + (Self.isCI ? " (CI=true: tests needing it fail rather than skip)" : ""))
        }
    }

    public static let dbusDaemon = LabPrerequisite(name: "dbus-daemon", remedy: "Debian package dbus") { access("/usr/bin/dbus-daemon", X_OK) == 0 }
    public static let dbusmock = LabPrerequisite(name: "dbus-daemon and python3-dbusmock", remedy: "Debian packages dbus, python3-dbusmock") {
        dbusDaemon.isMet && pythonImportsDBusMock
    }
    /// Asked once per test process: the import takes python up to a second on 2 loaded cores, and every BlueZ mock
    /// bench checks it, on a thread of the cooperative pool, before it starts.
    private static let pythonImportsDBusMock = LabChildProcess.succeeds(["/usr/bin/python3", "-c", "import dbusmock, dbus"])
    public static let umockdev = LabPrerequisite(name: "umockdev", remedy: "Debian packages umockdev, gir1.2-umockdev-1.0, python3-gi; scripts/setup.sh") {
        let typelibs = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map { "/usr/lib/\($0)/girepository-1.0/UMockdev-1.0.typelib" }
        return access("/usr/bin/umockdev-wrapper", X_OK) == 0 && typelibs.contains { access($0, R_OK) == 0 }
    }
    public static let root = LabPrerequisite(name: "root", remedy: "run the tests as root (CI does)") { getuid() == 0 }
}

import CSQLite
import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTStore
import Testing

/// Real failures of a real SQLite store for the store-fault tests: a size-limited tmpfs that fills up (needs
/// root: without it the tests fail under CI=true and are skipped elsewhere), a lock held by another connection.
enum StoreFaultFixtures {
    struct MissingRoot: Error, CustomStringConvertible {
        var description: String { "store-fault tests mount a size-limited tmpfs and need root; CI=true requires them to run" }
    }

    /// True when the test may mount; throws under CI=true without root (never a silent skip there).
    static func canMount() throws -> Bool {
        if getuid() == 0 { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw MissingRoot() }
        return false
    }

    /// A tmpfs of `kilobytes` mounted on a new directory; unmount with `unmount`.
    static func mountSmallTmpfs(kilobytes: Int) async throws -> String {
        let directory = try LabHarness.temporaryDirectory("store-fault").path
        let (status, output) = try await LabHarness.runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory])
        guard status == 0 else { throw LabError("mount tmpfs on \(directory) failed: \(output)") }
        return directory
    }

    /// Synchronous: it runs in `defer` at the end of a test, where nothing can be awaited.
    static func unmount(_ directory: String) { _ = try? LabHarness.runProgramBlocking("/bin/umount", [directory]) }

    /// Fills the file system holding `directory` to the last byte with `filler`.
    static func fill(_ directory: String) async throws {
        _ = try await LabHarness.runProgram("/bin/dd", ["if=/dev/zero", "of=\(directory)/filler", "bs=4096"])
        var info = statvfs()
        guard statvfs(directory, &info) == 0, info.f_bavail == 0 else { throw LabError("\(directory) is not full after dd") }
    }

    static func lowSpO2(_ value: Int, at time: Instant) -> Observation {
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
        return Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: time, correctedTime: time,
                           device: device, patientId: "44051401359", rawFrame: [0x80])
    }

    static let rules = RuleSet(rules: [.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high),
                                       AlertRule(id: "store-unwritable", kind: .technical(condition: "store-unwritable"), priority: .medium)])

    /// An exec hook that appends "IOMT_ALERT_ID IOMT_ALERT_RULE IOMT_ALERT_READING_STORED" per alert.
    static func hook(in directory: String) throws -> (path: String, output: String) {
        let output = directory + "/hook.out"
        let path = directory + "/hook.sh"
        try "#!/bin/sh\necho \"$IOMT_ALERT_ID $IOMT_ALERT_RULE $IOMT_ALERT_READING_STORED\" >> \(output)\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return (path, output)
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Another connection holding the write lock (BEGIN IMMEDIATE) until `release`.
    final class WriteLock {
        private var db: OpaquePointer?
        init(path: String) throws {
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
                  sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK else { throw LabError("cannot lock \(path)") }
        }
        func release() {
            sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            sqlite3_close_v2(db)
            db = nil
        }
        deinit { if db != nil { release() } }
    }
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

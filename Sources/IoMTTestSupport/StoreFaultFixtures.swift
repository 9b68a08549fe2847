import CSQLite
import Foundation
import IoMTCore

/// Real failures of a real SQLite store for the store-fault tests (in-process, IoMTDaemonTests, and whole-process,
/// IoMTEndToEndTests): a size-limited tmpfs that fills up (needs root: without it the tests fail under CI=true and are
/// skipped elsewhere), a lock held by another connection, and the reading that fires the alarm they watch.
public enum StoreFaultFixtures {
    public struct MissingRoot: Error, CustomStringConvertible {
        public var description: String { "store-fault tests mount a size-limited tmpfs and need root; CI=true requires them to run" }
    }

    /// True when the test may mount; throws under CI=true without root (never a silent skip there).
    public static func canMount() throws -> Bool {
        if getuid() == 0 { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw MissingRoot() }
        return false
    }

    /// A tmpfs of `kilobytes` mounted on a new directory; unmount with `unmount`.
    public static func mountSmallTmpfs(kilobytes: Int) async throws -> String {
        let directory = try TemporaryDirectory.persistent("iomt-store-fault").path
        let (status, output) = try await ProgramRun.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", directory])
        guard status == 0 else { throw LabError("mount tmpfs on \(directory) failed: \(output)") }
        return directory
    }

    public static func unmount(_ directory: String) async { _ = try? await ProgramRun.run("/bin/umount", [directory]) }

    /// Fills the file system holding `directory` to the last byte with `filler`.
    public static func fill(_ directory: String) async throws {
        _ = try await ProgramRun.run("/bin/dd", ["if=/dev/zero", "of=\(directory)/filler", "bs=4096"])
        var info = statvfs()
        guard statvfs(directory, &info) == 0, info.f_bavail == 0 else { throw LabError("\(directory) is not full after dd") }
    }

    public static func lowSpO2(_ value: Int, at time: Instant) -> Observation {
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
        return Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: time, correctedTime: time,
                           device: device, patientId: "44051401359", rawFrame: [0x80])
    }

    public static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Another connection holding the write lock (BEGIN IMMEDIATE) until `release`.
    public final class WriteLock {
        private var db: OpaquePointer?
        public init(path: String) throws {
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK,
                  sqlite3_exec(db, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK else { throw LabError("cannot lock \(path)") }
        }
        public func release() {
            sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            sqlite3_close_v2(db)
            db = nil
        }
        deinit { if db != nil { release() } }
    }
}

/// A test peer or fixture that did not come about, with what was tried.
public struct LabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

import Dispatch
import Glibc
import IoMTCore
import IoMTStore

/// Runs an executable for every alert (a buzzer or LED on a home hub). The alert is passed in
/// environment variables (IOMT_ALERT_*), never the patient's identity; exit status 0 counts as delivered.
public struct ExecHookChannel: AlertChannel {
    public let name = "exec"
    public let executablePath: String

    public init(executablePath: String) { self.executablePath = executablePath }

    public func deliver(_ alert: StoredAlert) async -> Bool {
        let environment = Self.environment(for: alert)
        let path = executablePath
        // posix_spawn + waitpid block; keep them off the cooperative pool.
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.spawnAndWait(path: path, environment: environment))
            }
        }
    }

    static func environment(for alert: StoredAlert) -> [String] {
        let e = alert.event
        var variables = [
            "IOMT_ALERT_ID=\(e.identifier)",
            "IOMT_ALERT_READING_STORED=\(e.readingNotStored ? "no" : "yes")",
            "IOMT_ALERT_RULE=\(e.ruleId)",
            "IOMT_ALERT_RULESET=\(e.ruleSetHash)",
            "IOMT_ALERT_PRIORITY=\(e.priority.rawValue)",
            "IOMT_ALERT_CONDITION=\(e.condition)",
            "IOMT_ALERT_MEASUREMENT=\(e.measurement)",
            "IOMT_ALERT_VALUE=\(e.value?.description ?? "")",
            "IOMT_ALERT_UNIT=\(e.unit)",
            "IOMT_ALERT_THRESHOLD=\(e.threshold?.description ?? "")",
            "IOMT_ALERT_DEVICE=\(e.deviceKey)",
            "IOMT_ALERT_OBSERVED_AT=\(e.observedAt.iso8601)",
            "IOMT_ALERT_MESSAGE=\(e.message)",
            "IOMT_ALERT_OCCURRENCE=\(e.occurrence.rawValue)",
            "IOMT_ALERT_EPISODE=\(e.episode)",
            "IOMT_ALERT_RULESET_VERSION=\(e.ruleSetVersion)",
            "IOMT_ALERT_INTERPRETATION=\(e.interpretation ?? "")",
        ]
        if let path = getenv("PATH") { variables.append("PATH=" + String(cString: path)) }
        return variables
    }

    static func spawnAndWait(path: String, environment: [String]) -> Bool {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let result = posix_spawn(&pid, path, nil, nil, argv, envp)
        guard result == 0 else {
            Log.error("alert exec hook \(path) could not start: \(String(cString: strerror(result)))", "alerts")
            return false
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitedNormally = (status & 0x7f) == 0
        let exitCode = (status >> 8) & 0xff
        if !exitedNormally || exitCode != 0 {
            Log.warning("alert exec hook \(path) failed (status \(status)); will retry", "alerts")
            return false
        }
        return true
    }
}

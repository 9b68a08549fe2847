import Glibc
import IoMTCore
import IoMTDaemon

/// `iomtctl doctor [--config FILE] [--socket PATH] [--json]`: checks the box and says what to fix.
enum DoctorCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let config = try arguments.option("--config") ?? "/etc/iomtd/iomtd.json"
        let socket = try ControlClient.socketPath(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        var findings: [DoctorFinding] = []
        if !json { print("checking \(config) …") }
        do {
            let answer = try ControlClient.send(ControlRequest(command: "ping"), to: socket)
            if let error = answer.error {
                findings.append(DoctorFinding("daemon", answer.exitCode == ControlResponse.permissionDeniedExitCode ? .warning : .problem, error,
                                              fix: "run iomtctl as root or as a member of the control group (usermod -aG iomtd $USER)"))
            } else {
                findings.append(DoctorFinding("daemon", .ok, "iomtd \(answer.result?["version"]?.stringValue ?? "?") answers on \(socket)"))
                findings += deviceFindings(socket: socket)
                if let status = try? ControlClient.send(ControlRequest(command: "status"), to: socket).result {
                    findings += DegradedStateFindings.findings(status: status)
                }
            }
        } catch {
            findings.append(DoctorFinding("daemon", .problem, "not reachable on \(socket)",
                                          fix: "systemctl start iomtd; if it keeps stopping: journalctl -u iomtd -n 50"))
        }
        findings += await Doctor(configPath: config).run()
        let problems = findings.filter { $0.status == .problem }.count
        let warnings = findings.filter { $0.status == .warning }.count
        if json {
            print(JSONValue.object([("healthy", .bool(problems == 0)), ("problems", .number(problems)), ("warnings", .number(warnings)),
                                    ("findings", .array(findings.map(\.json)))]).serialized())
        } else {
            for finding in findings { print(finding.text) }
            print(problems == 0 ? "no problems found\(warnings > 0 ? " (\(warnings) warning(s))" : "")" : "\(problems) problem(s), \(warnings) warning(s)")
        }
        if problems > 0 { exit(1) } // the findings above are the message
    }

    /// What the daemon knows is wrong with its devices: identities it cannot trust (shared USB serial numbers)
    /// and ports whose bytes never decode (see `iomtctl devices`).
    static func deviceFindings(socket: String) -> [DoctorFinding] {
        guard let answer = try? ControlClient.send(ControlRequest(command: "devices"), to: socket),
              let devices = answer.result?["devices"]?.arrayValue else { return [] }
        var findings: [DoctorFinding] = []
        for device in devices {
            let key = device["key"]?.stringValue ?? "?"
            if let reason = device["ambiguousIdentity"]?.stringValue {
                findings.append(DoctorFinding("device identity", .problem, "\(key): \(reason)",
                                              fix: "list each adapter in devices[] by its /dev/iomt/usb-VID_PID-PORT link, or replace one adapter"))
            }
            if device["detail"]?.stringValue == DeviceStatusBoard.wrongProfileSuspected {
                let profile = device["profile"]?.stringValue ?? "?"
                findings.append(DoctorFinding("device", .problem,
                                              "\(device["address"]?.stringValue ?? "?") (\(key)): \(DeviceStatusBoard.wrongProfileSuspected) (read with \(profile))",
                                              fix: "check the device's model and firmware, pick its profile (iomtctl profiles list) and set it for this port in devices[]"))
            }
        }
        return findings
    }
}

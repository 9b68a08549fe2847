import Glibc
import IoMTConfiguration
import IoMTControl
import IoMTCore
import IoMTDoctor

/// `iomtctl doctor [--config FILE] [--socket PATH] [--json]`: checks the box and says what to fix.
enum DoctorCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let config = try arguments.option("--config") ?? DaemonConfiguration.defaultPath
        let socket = try ControlSocket.path(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        var findings: [DoctorFinding] = []
        if !json { print("checking \(config) …") }
        let client = ControlClient(socketPath: socket)
        do {
            let ping = try client.call(.ping, expecting: PingReply.self)
            findings.append(DoctorFinding("daemon", .ok, "iomtd \(ping.version) answers on \(socket)"))
            if let status = try? client.call(.status, expecting: DaemonStatus.self) {
                findings += deviceFindings(status.devices)
                findings += DegradedStateFindings.findings(status: status)
            }
        } catch {
            switch error {
            case let .refused(message, code):
                findings.append(DoctorFinding("daemon", code == .permissionDenied ? .warning : .problem, message,
                                              fix: "run iomtctl as root or as a member of the control group (usermod -aG iomtd $USER)"))
            case .unreachable, .protocolError:
                findings.append(DoctorFinding("daemon", .problem, "not reachable on \(socket)",
                                              fix: "systemctl start iomtd; if it keeps stopping: journalctl -u iomtd -n 50"))
            }
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
        if problems > 0 { exit(ExitCode.failed.rawValue) } // the findings above are the message
    }

    /// What the daemon knows is wrong with its devices: identities it cannot trust (shared USB serial numbers)
    /// and ports whose bytes never decode (see `iomtctl devices`).
    static func deviceFindings(_ devices: [DeviceStatus]) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        for device in devices {
            let key = device.key
            if let reason = device.ambiguousIdentity {
                findings.append(DoctorFinding("device identity", .problem, "\(key): \(reason)",
                                              fix: "list each adapter in devices[] by its /dev/iomt/usb-VID_PID-PORT link, or replace one adapter"))
            }
            if device.detail == DeviceStatus.wrongProfileSuspected {
                findings.append(DoctorFinding("device", .problem,
                                              "\(device.address) (\(key)): \(DeviceStatus.wrongProfileSuspected) (read with \(device.profile))",
                                              fix: "check the device's model and firmware, pick its profile (iomtctl profiles list) and set it for this port in devices[]"))
            }
        }
        return findings
    }
}

import Foundation
import IoMTCore
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// iomtd speaks sd_notify to a real AF_UNIX datagram socket, as systemd would offer it.
@Suite(.serialized) struct SystemdWatchdogTests {
    typealias NotifySocket = SystemdNotifyListener

    @Test func readyThenWatchdogWhileHealthyThenStopping() async throws {
        try await withGatewayScenario("notify") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            let notify = try NotifySocket(directory: lab.directory)
            lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                               environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
            let running = await notify.receive(for: 3)
            #expect(running.first?.hasPrefix("READY=1") == true, "\(running)")
            #expect(running.filter { $0.contains("WATCHDOG=1") }.count >= 5, "\(running)")
            // SIGTERM, then STOPPING=1 is awaited before the daemon is reaped: on 2 loaded cores its graceful stop can take
            // longer than LabHarness.stop's 5 s before SIGKILL, which would leave nothing to check.
            kill(lab.daemon!.processIdentifier, SIGTERM)
            #expect(await notify.wait(for: "STOPPING=1", seconds: 20))
            await LabHarness.stop(lab.daemon!)
        }
    }

    /// DOM unreachable and the buffer full: the store refuses readings. That is a failure, not a hang (issue 11.6,
    /// 12.8): readings wait in memory and alarms still sound, so the watchdog keeps being fed (a restart would lose
    /// what waits) and STATUS= says the daemon is degraded.
    @Test func aStoreRefusingReadingsIsDegradedNotARestart() async throws {
        try await withGatewayScenario("starve") { lab in
            // No receiver: DOM is down.
            try lab.startSimulator(["--generation", "legacy", "--script", "steady"])
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(extra: #", "store": {"maxUndeliveredReadings": 4}"#)
            let notify = try NotifySocket(directory: lab.directory)
            lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                               environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
            let messages = await notify.receive(for: 6)
            let degradedIndex = try #require(messages.firstIndex { $0.contains("degraded: store writes:") }, "\(messages)\n\(lab.logs())")
            #expect(messages[(degradedIndex + 1)...].contains { $0.contains("WATCHDOG=1") }, "the watchdog starved: a restart would lose the readings waiting in memory")
            #expect(!messages.contains { $0.contains("unhealthy") }, "\(messages)")
            #expect(LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log")).contains("the store cannot write"))
            await LabHarness.stop(lab.daemon!)
            let (rows, _) = try await lab.storeSnapshot()
            #expect(rows.count <= 4 && !rows.isEmpty)
        }
    }

    /// Two configured devices that never work — one path is not a tty (a permanent failure, its loop ends), the other
    /// does not exist (retried for ever) — beside a working oximeter: the daemon keeps feeding the watchdog past the
    /// device loops' 10 s liveness bound and says what is wrong in STATUS= instead of being restarted every ~40 s.
    @Test func permanentlyFailingDevicesAreReportedWithoutStarvingTheWatchdog() async throws {
        try await withGatewayScenario("baddevice") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            let notATTY = lab.directory.appendingPathComponent("not-a-tty").path
            try "".write(toFile: notATTY, atomically: true, encoding: .utf8)
            let absent = lab.directory.appendingPathComponent("ttyUSB-absent").path
            try lab.writeConfiguration(extraDevices: """
                , {"profile": "contec-cms50d-plus", "path": "\(notATTY)", "serialNumber": "E2E-BROKEN"}\
                , {"profile": "contec-cms50d-plus", "path": "\(absent)", "serialNumber": "E2E-ABSENT"}
                """)
            let notify = try NotifySocket(directory: lab.directory)
            lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                               environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
            let messages = await notify.receive(for: 14)
            #expect(messages.first?.hasPrefix("READY=1") == true, "\(messages)")
            #expect(!messages.contains { $0.contains("STATUS=unhealthy") }, "\(messages)\n\(lab.logs())")
            // Still fed at the end, well past the 10 s a stalled device loop is allowed.
            let lastSecond = await notify.receive(for: 1.5)
            #expect(lastSecond.contains { $0.contains("WATCHDOG=1") }, "watchdog starved: \(messages.suffix(5))\n\(lab.logs())")
            let statuses = (messages + lastSecond).filter { $0.contains("STATUS=") }.joined(separator: "\n")
            #expect(statuses.contains("degraded") && statuses.contains("E2E-BROKEN") && statuses.contains("E2E-ABSENT"), "\(statuses)")
            await LabHarness.stop(lab.daemon!)
        }
    }

    /// An alert left undispatched by the previous run, and an exec hook that hangs (and forks a grandchild that
    /// hangs too): the daemon is READY and reading within seconds, kills the hook and its grandchild at the
    /// configured timeout, and tries again later.
    @Test func aHungExecHookNeitherDelaysReadinessNorReading() async throws {
        try await withGatewayScenario("hunghook") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration(alertsExtra: #", "execHookTimeoutMs": 1000"#)
            let runs = lab.directory.appendingPathComponent("hook-runs").path
            try ExecutableScript.write("""
                #!/bin/sh
                sleep 1000 &
                echo "$$ $!" >> \(runs)
                wait
                """, to: lab.directory.appendingPathComponent("alert-hook.sh").path)
            try FileManager.default.createDirectory(at: lab.directory.appendingPathComponent("state"), withIntermediateDirectories: true)
            do {
                let store = try Store(path: lab.storePath)
                _ = try await store.insertAlert(AlertEvent(
                    ruleId: "spo2-low", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                    value: DecimalValue(85), unit: "%", threshold: DecimalValue(90), patientId: nil, deviceKey: "sn:x:1",
                    observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                    message: "left pending by the previous run"))
            }
            let notify = try NotifySocket(directory: lab.directory)
            lab.daemon = try LabHarness.launch("iomtd", ["--config", lab.configPath], log: lab.directory.appendingPathComponent("iomtd-1.log"),
                                               environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "600000"])
            let firstSeconds = await notify.receive(for: 3)
            #expect(firstSeconds.first?.hasPrefix("READY=1") == true, "not ready while the hook hangs: \(firstSeconds)\n\(lab.logs())")
            // Reading: the oximeter's readings are committed while the hook is still hung or being retried.
            _ = await notify.receive(for: 6)
            #expect((await lab.domObservationCount() ?? 0) > 0, "no reading reached DOM while the hook hangs\n\(lab.logs())")
            let pids = ((try? String(contentsOfFile: runs, encoding: .utf8)) ?? "").split(separator: "\n")
                .flatMap { $0.split(separator: " ").compactMap { pid_t($0) } }
            #expect(pids.count >= 4, "the hook was not retried after its timeout: \(pids)")
            // Every run but the one in progress was killed with its grandchild.
            for pid in pids.dropLast(2) { #expect(!Self.isRunning(pid), "process \(pid) outlived the hook timeout") }
            #expect(LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log")).contains("killed with its process group"))
            await LabHarness.stop(lab.daemon!)
            for pid in pids where Self.isRunning(pid) { kill(pid, SIGKILL) } // the run in progress when the daemon stopped
        }
    }

    /// Gone, or a zombie waiting for its adopter to reap it: either way no longer running.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}

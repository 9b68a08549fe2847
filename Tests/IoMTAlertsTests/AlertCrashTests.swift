import Foundation
import Glibc
import IoMTLab
import IoMTAlerts
import IoMTCore
import IoMTStore
import IoMTTestSupport
import Testing

/// kill -9 between alert creation and dispatch: a child process (this test binary, re-executed on one test)
/// raises an alert whose exec channel is still busy when the parent SIGKILLs it. After a restart the alert
/// is dispatched by the real exec hook, exactly once, however often the dispatcher runs.
@Suite struct AlertCrashTests {
    static let childDatabaseVariable = "IOMT_ALERT_CRASH_CHILD_DB"
    static let reportDescriptor: Int32 = 3

    /// An exec channel caught mid-delivery: it reports the alert id, then never finishes (the kill lands here).
    struct StuckChannel: AlertChannel {
        let name = "exec"
        func deliver(_ alert: StoredAlert) async -> Bool {
            let line = Array("\(alert.id)\n".utf8)
            _ = line.withUnsafeBytes { write(AlertCrashTests.reportDescriptor, $0.baseAddress, $0.count) }
            await Suspension.forever()
        }
    }

    static func event() -> AlertEvent {
        AlertEvent(ruleId: "spo2-critical", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                   value: DecimalValue(85), unit: "%", threshold: DecimalValue(88), patientId: "44051401359", deviceKey: "sn:x:1",
                   observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                   message: "MDC_PULS_OXIM_SAT_O2 85 % below 88", episode: "spo2-critical/sn:x:1/2")
    }

    @Test func anAlertStoredBeforeSIGKILLIsDispatchedOnceAfterRestart() async throws {
        let directory = NSTemporaryDirectory() + "iomt-alert-crash-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let database = directory + "/s.sqlite"
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let child = try spawnChild(database: database, writeEnd: ends[1], readEnd: ends[0])
        close(ends[1])
        let readEnd = ends[0]
        let text = await LabChildProcess.offThePool { () -> String in
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 256)
            while !text.contains("\n") {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                text += String(decoding: buffer[0..<count], as: UTF8.self)
            }
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            close(readEnd)
            return text
        }
        let alertId = try #require(Int64(text.split(separator: "\n").first ?? ""), "the child reported no alert (output: \(text))")

        // Restart: the alert is there, not dispatched on "exec"; the real hook runs once for it.
        let store = try Store(path: database)
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).map(\.id) == [alertId])
        let output = directory + "/hook.out"
        let hook = directory + "/hook.sh"
        try ExecutableScript.write("#!/bin/sh\necho \"$IOMT_ALERT_ID\" >> \(output)\n", to: hook)
        let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook)])
        await dispatcher.dispatchPending()
        await dispatcher.dispatchPending()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        let identifier = try #require(try await store.alert(id: alertId)).event.identifier
        #expect(lines == [Substring(identifier)])
        // A second restart does not send it again.
        let again = AlertDispatcher(store: try Store(path: database), channels: [ExecHookChannel(executablePath: hook)])
        await again.dispatchPending()
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 1)
    }

    /// Runs only inside the spawned child (the variable is unset in a normal test run).
    @Test func crashChildRaisesAndHangsInDispatch() async throws {
        guard let path = getenv(Self.childDatabaseVariable).map({ String(cString: $0) }) else { return }
        let store = try Store(path: path)
        let dispatcher = AlertDispatcher(store: store, channels: [StuckChannel()])
        await dispatcher.raise([Self.event()])
        await Suspension.forever()
    }

    private func spawnChild(database: String, writeEnd: Int32, readEnd: Int32) throws -> pid_t {
        try LabChildProcess.testChild(filter: "crashChildRaisesAndHangsInDispatch", environment: [Self.childDatabaseVariable: database],
                                      passing: (writeEnd, as: Self.reportDescriptor), closing: [readEnd]).pid
    }
}

import Foundation
import IoMTAlerts
import IoMTCore
import IoMTStore
import IoMTTestSupport
import Testing

/// The dispatcher against a real SQLite store and a real exec hook (a shell script).
@Suite struct AlertDispatcherTests {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "iomt-alerts-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func hook(in directory: String, exitCode: Int, name: String = "hook") throws -> (String, String) {
        let output = directory + "/\(name).out"
        let path = directory + "/\(name).sh"
        try ExecutableScript.write("#!/bin/sh\necho \"$IOMT_ALERT_ID $IOMT_ALERT_RULE $IOMT_ALERT_VALUE $IOMT_ALERT_PATIENT\" >> \(output)\nexit \(exitCode)\n", to: path)
        return (path, output)
    }

    func event(_ value: Int) -> AlertEvent {
        AlertEvent(ruleId: "spo2-low", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                   value: DecimalValue(value), unit: "%", threshold: DecimalValue(90), patientId: "44051401359", deviceKey: "sn:x:1",
                   observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                   message: "MDC_PULS_OXIM_SAT_O2 \(value) % below 90")
    }

    @Test func storesThenRunsTheHookOncePerAlert() async throws {
        let directory = try temporaryDirectory()
        let store = try Store(path: directory + "/s.sqlite")
        let (path, output) = try hook(in: directory, exitCode: 0)
        let dispatcher = AlertDispatcher(store: store, channels: [LogAlertChannel(), ExecHookChannel(executablePath: path)])
        let ids = await dispatcher.raise([event(85), event(84)])
        await dispatcher.dispatchPending()
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        let first = try #require(try await store.alert(id: ids[0])).event.identifier
        let second = try #require(try await store.alert(id: ids[1])).event.identifier
        #expect(lines == ["\(first) spo2-low 85 ", "\(second) spo2-low 84 "]) // no patient identity in the hook's environment
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).isEmpty)
        #expect(try await store.undispatchedAlerts(channel: "log", limit: 10).isEmpty)
    }

    @Test func aFailingHookKeepsTheAlertPendingUntilItSucceeds() async throws {
        let directory = try temporaryDirectory()
        let store = try Store(path: directory + "/s.sqlite")
        let (failing, _) = try hook(in: directory, exitCode: 1)
        let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: failing)])
        await dispatcher.raise([event(85)])
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).count == 1)
        // The hook is fixed (a buzzer reconnected): the next pass delivers it, once.
        let (working, output) = try hook(in: directory, exitCode: 0, name: "working")
        let later = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: working)])
        await later.dispatchPending()
        await later.dispatchPending()
        #expect(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").count == 1)
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).isEmpty)
    }

    @Test func aMissingHookIsReportedAndRetriedNotLost() async throws {
        let directory = try temporaryDirectory()
        let store = try Store(path: directory + "/s.sqlite")
        let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: directory + "/nope")])
        await dispatcher.raise([event(85)])
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).count == 1)
        #expect(try await store.alerts(limit: 10).count == 1)
    }

    @Test func alertsStoredBeforeACrashAreDispatchedAfterRestart() async throws {
        let directory = try temporaryDirectory()
        let (path, output) = try hook(in: directory, exitCode: 0)
        do {
            // Stored, but the process "dies" before any channel ran.
            let store = try Store(path: directory + "/s.sqlite")
            _ = try await store.insertAlert(event(83))
        }
        let reopened = try Store(path: directory + "/s.sqlite")
        await AlertDispatcher(store: reopened, channels: [ExecHookChannel(executablePath: path)]).dispatchPending()
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("spo2-low 83"))
    }

    @Test func alertLiftsItsObservationToTheFrontOfTheDeliveryQueue() async throws {
        let directory = try temporaryDirectory()
        let store = try Store(path: directory + "/s.sqlite")
        let device = DeviceIdentity(profileId: "p", manufacturer: "m", model: "x", serialNumber: "1")
        let observations = (0..<5).map {
            Observation(type: .spo2, value: DecimalValue(97 - $0), unit: "%", receivedAt: Instant(millisecondsSinceEpoch: Int64($0)),
                        correctedTime: Instant(millisecondsSinceEpoch: Int64($0)), device: device, patientId: "44051401359", rawFrame: [1])
        }
        let ids = try await store.append(observations)
        var alert = event(93)
        alert.observationId = ids[4]
        await AlertDispatcher(store: store, channels: []).raise([alert])
        let pending = try await store.pending(destination: "dom", limit: 5)
        #expect(pending.first?.id == ids[4])
        #expect(pending.first?.alertPriority == .high)
    }
}

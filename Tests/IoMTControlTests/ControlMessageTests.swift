import IoMTControl
import IoMTCore
import Testing

/// The control protocol's typed messages: every command survives the wire, the wire keeps the format earlier
/// releases spoke, and a malformed message is refused naming the field and what was expected.
@Suite struct ControlMessageTests {
    static let at = Instant(iso8601: "2026-11-23T10:00:00+01:00")!

    static let commands: [ControlCommand] = [
        .ping, .status, .devices, .bindings(showPatient: true),
        .bind(.init(device: "cms50", patient: "02070803628", from: at, until: at.adding(milliseconds: 3_600_000), releaseHeld: true)),
        .bind(.init(device: "cms50", patient: "02070803628")),
        .bind(.init(device: "spirometer", patient: "44051401359", demographics: .init(heightCm: DecimalValue("172.5")!, sexAtBirth: "male", birthDate: "1944-05-14"))),
        .bind(.init(device: "spirometer", patient: "44051401359", demographics: .init(heightCm: DecimalValue(160)))),
        .unbind(device: "cms50", at: at), .unbind(device: "cms50", at: nil),
        .replay(.init(profile: "contec-cms50d-plus", hex: "e8 30", label: "capture", patient: "02070803628", alarms: true)),
        .installProfile(name: "variant.json", content: "{}", replace: true),
        .scan(seconds: 15), .pair(address: "AA:BB:CC:DD:EE:FF", secret: .passkey(123_456)), .pair(address: "AA:BB:CC:DD:EE:FF", secret: .pin("0000")),
        .pair(address: "AA:BB:CC:DD:EE:FF", secret: nil), .forget(address: "AA:BB:CC:DD:EE:FF"),
        .acknowledgeAlert(id: 7), .silenceAlert(id: 7, milliseconds: 900_000),
        .requeueQuarantined(.all), .requeueQuarantined(.reason("Observation.code")), .requeueQuarantined(.ids([3, 4])),
        .capture(device: "cms50", seconds: 30), .captureProgress(device: "cms50"),
        .replay(.init(profile: "contec-cms50d-plus", hex: "e8 30", transcript: "# iomtd capture transcript 1\n")),
    ]

    @Test(arguments: commands) func everyCommandSurvivesTheWire(_ command: ControlCommand) throws {
        let line = Array(command.json.serialized().utf8)
        #expect(try ControlCommand.decode(line) == command)
    }

    /// Lines as iomtctl wrote them before the typed control plane: still understood.
    @Test func requestLinesOfEarlierReleasesDecode() throws {
        #expect(try ControlCommand.decode(Array(#"{"command":"status","arguments":{}}"#.utf8)) == .status)
        #expect(try ControlCommand.decode(Array(#"{"command":"devices"}"#.utf8)) == .devices)
        #expect(try ControlCommand.decode(Array(#"{"command":"bind","arguments":{"device":"cms50","patient":"02070803628","from":"2026-11-23T10:00:00+01:00"}}"#.utf8))
                == .bind(.init(device: "cms50", patient: "02070803628", from: Self.at)))
        #expect(try ControlCommand.decode(Array(#"{"command":"scan","arguments":{"seconds":10}}"#.utf8)) == .scan(seconds: 10))
        #expect(ControlCommand.status.json.serialized() == #"{"command":"status","arguments":{}}"#)
    }

    @Test func malformedRequestsNameTheFieldAndWhatWasExpected() {
        func problem(_ line: String) -> String {
            do { _ = try ControlCommand.decode(Array(line.utf8)); return "decoded" } catch { return error.description }
        }
        #expect(problem(#"{"command":"bind","arguments":{"device":"cms50","from":"yesterday"}}"#)
                == #"bind request: arguments.patient: expected a string, found nothing; arguments.from: expected an ISO 8601 time with an offset (2026-11-23T10:00:00+01:00), found "yesterday""#)
        #expect(problem(#"{"command":"alert-silence","arguments":{"id":"seven","milliseconds":172800000}}"#)
                == #"alert-silence request: arguments.id: expected an integer, found "seven"; arguments.milliseconds: expected 1 to 86400000 (at most 24 h), found 172800000"#)
        #expect(problem(#"{"command":"quarantine-requeue","arguments":{"all":true,"ids":[1]}}"#)
                == "quarantine-requeue request: arguments: expected exactly one of all, reason, ids, found 2")
        #expect(problem(#"{"arguments":{}}"#).hasPrefix("request: command: expected a command name (one of ping, status"))
        #expect(problem("not json").hasPrefix("request: (syntax): expected one JSON object"))
        let unknown: ControlMessageError
        do { _ = try ControlCommand.decode(Array(#"{"command":"reboot"}"#.utf8)); Issue.record("decoded"); return } catch { unknown = error }
        #expect(unknown.isUnknownCommand)
        #expect(unknown.description.contains(#"found "reboot""#))
    }

    @Test func statusSurvivesTheWireAndAWrongFieldIsNamed() throws {
        let status = DaemonStatus(
            version: "1.2.3", startedAt: Self.at, uptimeSeconds: 42, mode: .clinic,
            devices: [DeviceStatus(key: "sn:contec-cms50d-plus:SN1", profile: "contec-cms50d-plus", transport: "serial", address: "/dev/ttyUSB0",
                                   state: .connected, detail: nil, since: Self.at, lastReading: Self.at, readings: 12, ambiguousIdentity: nil)],
            store: StoreWriteStatus(problem: "database or disk is full", readingsWaiting: 3, readingsLost: 0, alertsWaiting: 1, alertsNotStored: 0),
            forwarder: ForwarderReport(state: .paused, pausedReason: "422", pausedSince: Self.at, nextAttempt: nil, consecutiveFailures: 2,
                                       lastFailureKind: "rejected", quarantined: 5),
            delivery: DeliveryStatus(destination: "dom", baseURL: "https://dom.example", backlog: 9, oldestUndelivered: Self.at, lastSuccess: nil,
                                     delivered: 100, duplicates: 1, quarantined: 5, failuresByKind: [("timeout", 2), ("rejected", 1)]),
            recentAlerts: [RecentAlert(id: 1, priority: "high", rule: "spo2-low", device: "sn:x", measurement: "MDC_PULS_OXIM_SAT_O2", value: "85",
                                       unit: "%", observedAt: Self.at, test: nil)])
        let decoded = try DaemonStatus(json: JSONValue.parse(status.json.serialized()))
        #expect(decoded == status)
        #expect(decoded.json["forwarder"]?["domRefusing"]?.boolValue == true)
        #expect(decoded.json["store"]?["writable"]?.boolValue == false)

        var broken = status.json.serialized()
        broken = broken.replacing(#""state":"connected""#, with: #""state":"up""#)
        do { _ = try DaemonStatus(json: JSONValue.parse(broken)); Issue.record("decoded") } catch let error as ControlMessageError {
            #expect(error.description == #"status answer: devices[0].state: expected one of starting, connected, reconnecting, disconnected, failed, found "up""#)
        }
    }

    /// A binding's demographics reach `iomtctl bindings --json`; one without them says null, and a bind request giving a
    /// sex or birth date without a height is refused naming the field.
    @Test func bindingsCarryTheirDemographics() throws {
        let list = BindingList(bindings: [
            .init(id: 1, device: "spirometer", patient: "•••••••••59", from: Self.at, until: nil, active: true, createdBy: "uid 0",
                  demographics: .init(heightCm: DecimalValue(160), sexAtBirth: "male", birthDate: nil)),
            .init(id: 2, device: "cms50", patient: "•••••••••28", from: Self.at, until: Self.at.adding(milliseconds: 60_000), active: false, createdBy: "uid 0"),
        ])
        let decoded = try BindingList(json: JSONValue.parse(list.json.serialized()))
        #expect(decoded == list)
        #expect(list.json.serialized().contains(#""demographics":{"heightCm":160,"sexAtBirth":"male","birthDate":null}"#))
        #expect(list.json.serialized().contains(#""demographics":null"#))
        do {
            _ = try ControlCommand.decode(Array(#"{"command":"bind","arguments":{"device":"s","patient":"44051401359","sexAtBirth":"male"}}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(error.description == "bind request: arguments.heightCm: expected a height in cm with sexAtBirth or birthDate, found nothing")
        }
    }

    @Test func repliesCarryTheExitCode() throws {
        let refusal = ControlReply.failure("not root and not in group iomtd", .permissionDenied)
        let decoded = try ControlReply.decode(Array(refusal.json.serialized().utf8))
        #expect(decoded.exitCode == .permissionDenied && decoded.error == "not root and not in group iomtd")
        #expect(refusal.json.serialized() == #"{"ok":false,"exitCode":3,"error":"not root and not in group iomtd"}"#)
        do { _ = try ControlReply.decode(Array(#"{"ok":false,"exitCode":9,"error":"x"}"#.utf8)); Issue.record("decoded") } catch {
            #expect(error.description == "answer: exitCode: expected 0, 1, 2 or 3, found 9")
        }
    }
}

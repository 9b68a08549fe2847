import Foundation
import IoMTDBus
import IoMTLab
import Testing

/// BLE devices through BlueZ to DOM: the real iomtd on a private system bus where python-dbusmock
/// plays bluetoothd (adapter, devices, GATT objects), the local DOM receiver, iomtctl for pairing.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct BluetoothToDOMTests {
    static let bpmAddress = "A0:B1:C2:00:00:01"
    static let oximeterAddress = "A0:B1:C2:00:00:02"

    /// Fixture values (Firmware-Fixtures/ble-*/…/capture.hex).
    static let bloodPressureWithStamp: [UInt8] = [0x06, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0f, 0x00, 0x48, 0x00]
    static let bloodPressurePulseOnly: [UInt8] = [0x04, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0x48, 0x00]
    static let plxContinuous: [UInt8] = [0x00, 0x60, 0x00, 0x46, 0x00]

    func writeConfiguration(_ lab: GatewayScenario, bluetooth: String, devices: String, extra: String = "") throws {
        try """
            {
              "stateDirectory": "\(lab.directory.appendingPathComponent("state").path)",
              "profilesDirectory": "\(LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path)",
              "gateway": {"systemId": "0A1B2C3D4E5F6071", "serialNumber": "E2E-HUB"},
              "patient": {"pesel": "44051401359"},
              "control": {"socketPath": "\(lab.controlSocket)"},
              "hotplug": {"enabled": false},
              "devices": \(devices),
              "bluetooth": \(bluetooth),
              "dom": {"baseURL": "\(lab.baseURL)/fhir", "batchSize": 20, "timeoutMs": 3000}\(extra)
            }
            """.write(toFile: lab.configPath, atomically: true, encoding: .utf8)
    }

    /// iomtd's unique name on the bus (its agent's owner), found by process id.
    func uniqueName(of pid: Int32, on bench: BlueZMockBench) async throws -> String? {
        let names = try await bench.control.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                 interface: "org.freedesktop.DBus", member: "ListNames")
        for name in names.first?.stringArrayValue ?? [] where name.hasPrefix(":") {
            let owner = try? await bench.control.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
                                                      interface: "org.freedesktop.DBus", member: "GetConnectionUnixProcessID", body: [.string(name)])
            if owner?.first?.uint32Value == UInt32(pid) { return name }
        }
        return nil
    }

    func waitForCalls(_ bench: BlueZMockBench, _ path: DBusObjectPath, _ method: String, atLeast count: Int) async -> Bool {
        await LabHarness.waitUntil(seconds: 20) { ((try? await bench.calls(path, method)) ?? 0) >= count }
    }

    @Test func bloodPressureAndPulseOximeterReachDOMThroughBlueZAndResubscribeAfterReconnect() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let bpm = try await bench.addDevice(Self.bpmAddress, name: "BPM", uuids: [bench.full(0x1810)], failingConnects: 1)
        let bpService = try await bench.addService(bpm, index: 0x10, uuid: 0x1810)
        let bpMeasurement = try await bench.addCharacteristic(bpService, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(bpService, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])
        let oximeter = try await bench.addDevice(Self.oximeterAddress, name: "Oximeter", uuids: [bench.full(0x1822)], failingConnects: 1,
                                                 connectError: (name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local"))
        let plxService = try await bench.addService(oximeter, index: 0x20, uuid: 0x1822)
        let continuous = try await bench.addCharacteristic(plxService, index: 0x21, uuid: 0x2A5F, flags: ["notify"])
        _ = try await bench.addCharacteristic(plxService, index: 0x24, uuid: 0x2A5E, flags: ["indicate"])
        _ = try await bench.addCharacteristic(plxService, index: 0x27, uuid: 0x2A60, flags: ["read"], readValue: [0x00, 0x00])

        try await withGatewayScenario("ble-dom") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
            try writeConfiguration(lab, bluetooth: #"{"adapter": "hci0"}"#, devices: """
                [{"profile": "ble-blood-pressure", "address": "\(Self.bpmAddress)"},
                 {"profile": "ble-pulse-oximeter", "address": "\(Self.oximeterAddress.lowercased())"}]
                """)
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()

            // Pairing the monitor: bluetoothd asks iomtd's agent for the passkey the monitor displays.
            let daemonPID = try #require(lab.daemon?.processIdentifier)
            var agentOwner: String?
            _ = await LabHarness.waitUntil(seconds: 10) {
                agentOwner = try? await uniqueName(of: daemonPID, on: bench)
                return agentOwner != nil
            }
            try await bench.requirePasskey(bpm, passkey: 246810, agentOwner: try #require(agentOwner, "iomtd never connected to the bus\n\(lab.logs())"))
            #expect(await LabHarness.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: lab.controlSocket) })
            let (wrong, wrongOutput) = try await LabHarness.run("iomtctl", ["pair", Self.bpmAddress, "--passkey", "111111", "--socket", lab.controlSocket])
            #expect(wrong == 1, "\(wrongOutput)")
            let (paired, pairOutput) = try await LabHarness.run("iomtctl", ["pair", Self.bpmAddress, "--passkey", "246810", "--socket", lab.controlSocket])
            #expect(paired == 0, "\(pairOutput)\n\(lab.logs())")
            #expect(pairOutput.contains("profile ble-blood-pressure"))

            // Both connect (after InProgress and le-connection-abort-by-local) and subscribe.
            #expect(await waitForCalls(bench, bpMeasurement, "StartNotify", atLeast: 1), "\(lab.logs())")
            #expect(await waitForCalls(bench, continuous, "StartNotify", atLeast: 1), "\(lab.logs())")
            #expect(try await bench.calls(bpm, "Connect") == 2)
            #expect(try await bench.calls(oximeter, "Connect") == 2)

            try await bench.notify(bpMeasurement, Self.bloodPressureWithStamp)
            try await bench.notify(continuous, Self.plxContinuous)
            // Blood pressure panel + pulse rate + SpO2 + PLX pulse rate.
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 4 }, "\(lab.logs())")

            // The monitor's link drops and comes back: iomtd must subscribe again (a new StartNotify).
            try await bench.dropLink(bpm)
            #expect(await waitForCalls(bench, bpMeasurement, "StartNotify", atLeast: 2), "\(lab.logs())")
            #expect(try await bench.calls(bpm, "Connect") == 3)
            try await bench.notify(bpMeasurement, Self.bloodPressurePulseOnly)
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 6 }, "\(lab.logs())")

            let (_, devices) = try await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket])
            #expect(devices.contains("\"transport\":\"ble\""))
            #expect(devices.contains("bt:\(Self.oximeterAddress)"))

            let codes = await lab.domObservations().compactMap { (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String }
            #expect(codes.contains("150020")) // MDC_PRESS_BLD_NONINV
            #expect(codes.contains("150456")) // MDC_PULS_OXIM_SAT_O2
            try await FHIRValidator.validateRecordedBundles(lab)

            // forget: BlueZ drops the device.
            let (forgot, forgetOutput) = try await LabHarness.run("iomtctl", ["forget", Self.oximeterAddress, "--socket", lab.controlSocket])
            #expect(forgot == 0, "\(forgetOutput)")
            #expect(try await bench.control.managedObjects(destination: "org.bluez")[oximeter] == nil)
        }
    }

    /// A monitor with Blood Pressure and Pulse Oximeter services, configured once with both profiles: one connection
    /// subscribes to both services and both kinds of reading reach DOM.
    @Test func aDeviceWithTwoHealthServicesIsReadAsOneDeviceOnOneConnection() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "A0:B1:C2:00:00:06"
        let monitor = try await bench.addDevice(address, name: "BPM+SpO2", uuids: [bench.full(0x1810), bench.full(0x1822)])
        let bpService = try await bench.addService(monitor, index: 0x10, uuid: 0x1810)
        let bpMeasurement = try await bench.addCharacteristic(bpService, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(bpService, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])
        let plxService = try await bench.addService(monitor, index: 0x20, uuid: 0x1822)
        let continuous = try await bench.addCharacteristic(plxService, index: 0x21, uuid: 0x2A5F, flags: ["notify"])
        _ = try await bench.addCharacteristic(plxService, index: 0x27, uuid: 0x2A60, flags: ["read"], readValue: [0x00, 0x00])

        try await withGatewayScenario("ble-two-services") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
            try writeConfiguration(lab, bluetooth: "{}", devices: """
                [{"profile": ["ble-blood-pressure", "ble-pulse-oximeter"], "address": "\(address)"}]
                """)
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()
            #expect(await waitForCalls(bench, bpMeasurement, "StartNotify", atLeast: 1), "\(lab.logs())")
            #expect(await waitForCalls(bench, continuous, "StartNotify", atLeast: 1), "\(lab.logs())")
            #expect(try await bench.calls(monitor, "Connect") == 1)

            try await bench.notify(bpMeasurement, Self.bloodPressureWithStamp)
            try await bench.notify(continuous, Self.plxContinuous)
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 4 }, "\(lab.logs())")
            let codes = await lab.domObservations().compactMap { (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String }
            #expect(codes.contains("150020") && codes.contains("150456"), "\(codes)")
            let (_, devices) = try await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket])
            #expect(devices.contains("ble-blood-pressure+ble-pulse-oximeter") && devices.contains("bt:\(address)"), "\(devices)")
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }

    @Test func autoConnectPairedReadsTrustedHealthDevicesOnlyAndScanListsThem() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let heartRate = try await bench.addDevice("A0:B1:C2:00:00:03", name: "HRM", uuids: [bench.full(0x180D)])
        try await bench.mockCall(heartRate, "UpdateProperties", [.string("org.bluez.Device1"),
                                                                 .stringVariantDictionary(["Paired": .boolean(true), "Trusted": .boolean(true)])])
        let hrService = try await bench.addService(heartRate, index: 0x10, uuid: 0x180D)
        let hrMeasurement = try await bench.addCharacteristic(hrService, index: 0x11, uuid: 0x2A37, flags: ["notify"])
        // Paired but not trusted: left alone.
        let other = try await bench.addDevice("A0:B1:C2:00:00:04", name: "BPM", uuids: [bench.full(0x1810)])
        try await bench.mockCall(other, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["Paired": .boolean(true)])])

        try await withGatewayScenario("ble-autoconnect") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
            try writeConfiguration(lab, bluetooth: #"{"autoConnectPaired": true}"#, devices: "[]")
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()
            #expect(await waitForCalls(bench, hrMeasurement, "StartNotify", atLeast: 1), "\(lab.logs())")
            try await bench.notify(hrMeasurement, [0x00, 0x48]) // Firmware-Fixtures/ble-heart-rate/hrm-flags-00-uint8-only
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 1 }, "\(lab.logs())")
            #expect(try await bench.calls(other, "Connect") == 0)
            try await FHIRValidator.validateRecordedBundles(lab)

            let (status, output) = try await LabHarness.run("iomtctl", ["scan", "--seconds", "1", "--json", "--socket", lab.controlSocket])
            #expect(status == 0, "\(output)")
            #expect(output.contains(#""address":"A0:B1:C2:00:00:03""#) && output.contains(#""profile":"ble-heart-rate""#), "\(output)")
            #expect(output.contains(#""profile":"ble-blood-pressure""#), "\(output)")
            let (_, text) = try await LabHarness.run("iomtctl", ["scan", "--seconds", "1", "--socket", lab.controlSocket])
            #expect(text.contains("A0:B1:C2:00:00:03  -79 dBm  le  ble-heart-rate  HRM  [paired, trusted, connected]"), "\(text)")

            for arguments in [["pair"], ["pair", "A0:B1:C2:00:00:03", "--passkey", "abc"], ["pair", "A0:B1:C2:00:00:03", "--passkey", "1", "--pin", "1"],
                              ["scan", "--seconds", "0"], ["forget"], ["pair", "not-an-address"]] {
                let (code, message) = try await LabHarness.run("iomtctl", arguments + ["--socket", lab.controlSocket])
                #expect(code == 2, "iomtctl \(arguments): \(message)")
            }
        }
    }

    @Test func glucoseMarkOfTheOldStateFileIsImportedAndTheStoreMarkSurvivesARestart() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let meter = try await bench.addDevice("A0:B1:C2:00:00:05", name: "Meter", uuids: [bench.full(0x1808)])
        let service = try await bench.addService(meter, index: 0x10, uuid: 0x1808)
        let measurement = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A18, flags: ["notify"])
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A51, flags: ["read"], readValue: [0x00, 0x00])
        let racp = try await bench.addCharacteristic(service, index: 0x16, uuid: 0x2A52, flags: ["write", "indicate"])

        try await withGatewayScenario("ble-glucose") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
            try writeConfiguration(lab, bluetooth: "{}", devices: #"[{"profile": "ble-glucose", "address": "A0:B1:C2:00:00:05"}]"#)
            // An earlier release's mark: record 2 fetched.
            let stateFile = lab.directory.appendingPathComponent("state/bluetooth-state.json").path
            try FileManager.default.createDirectory(atPath: lab.directory.appendingPathComponent("state").path, withIntermediateDirectories: true)
            try #"{"devices":{"A0:B1:C2:00:00:05":{"glucoseHighWaterSequenceNumber":2}}}"#.write(toFile: stateFile, atomically: true, encoding: .utf8)
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()
            #expect(await waitForCalls(bench, racp, "WriteValue", atLeast: 1), "\(lab.logs())")
            #expect(try await racpWrites(bench, racp) == [[0x01, 0x03, 0x01, 0x02, 0x00]]) // from record 2, imported
            #expect(!FileManager.default.fileExists(atPath: stateFile) && FileManager.default.fileExists(atPath: stateFile + ".imported"))
            // Record 2 again (the imported mark, dropped), then record 3 (Firmware-Fixtures/ble-glucose/gm-flags-02-concentration).
            try await bench.notify(measurement, [0x02, 0x02, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0e, 0x00, 0x78, 0xb0, 0x11])
            try await bench.notify(measurement, [0x02, 0x03, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0f, 0x00, 0x78, 0xb0, 0x11])
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 1 }, "\(lab.logs())")

            if let daemon = lab.daemon { await LabHarness.stop(daemon) }
            try await bench.mockCall(racp, "ClearCalls")
            try await bench.dropLink(meter)
            try lab.startDaemon()
            #expect(await waitForCalls(bench, racp, "WriteValue", atLeast: 1), "\(lab.logs())")
            #expect(try await racpWrites(bench, racp) == [[0x01, 0x03, 0x01, 0x03, 0x00]]) // from record 3, the store's mark
            #expect(await lab.domObservationCount() == 1, "record 2 was not sent again")
        }
    }

    func racpWrites(_ bench: BlueZMockBench, _ path: DBusObjectPath) async throws -> [[UInt8]] {
        let body = try await bench.mockCall(path, "GetMethodCalls", [.string("WriteValue")])
        return (body.first?.arrayValue ?? []).compactMap { $0.structureFields?.last?.arrayValue?.first?.unwrapped.bytesValue }
    }

    @Test func daemonRunsWithoutASystemBusAndSaysSoOnce() async throws {
        try await withGatewayScenario("ble-nobus") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": "unix:path=\(lab.directory.path)/no-such-bus"]
            // At debug level each background retry is logged: the test waits for one instead of for a stretch of time.
            try writeConfiguration(lab, bluetooth: #"{"autoConnectPaired": true}"#, devices: """
                [{"profile": "ble-pulse-oximeter", "address": "\(Self.oximeterAddress)"}]
                """, extra: #", "logLevel": "debug""#)
            try lab.startReceiver()
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: lab.controlSocket) })
            #expect(await LabHarness.waitUntil(seconds: 10) {
                (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]))?.1.contains("BlueZ unavailable") == true
            }, "\(lab.logs())")
            #expect(await LabHarness.waitUntil(seconds: 30) { lab.logs().contains("Bluetooth still unavailable") }, "no background retry\n\(lab.logs())")
            #expect(lab.daemon?.isRunning == true)
            let log = lab.logs()
            #expect(log.components(separatedBy: "Bluetooth unavailable").count - 1 == 1, "\(log)")
            let (scan, scanOutput) = try await LabHarness.run("iomtctl", ["scan", "--seconds", "1", "--socket", lab.controlSocket])
            #expect(scan == 1)
            #expect(scanOutput.contains("Bluetooth is not available"))
        }
    }

    @Test func devicesAreReadOnceBluetoothdAppearsAfterTheDaemonStarted() async throws {
        let bus = try await PrivateDBusDaemon()
        try await withGatewayScenario("ble-late-bluez") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bus.address]
            try writeConfiguration(lab, bluetooth: "{}", devices: #"[{"profile": "ble-pulse-oximeter", "address": "\#(Self.oximeterAddress)"}]"#)
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()
            let logFile = lab.directory.appendingPathComponent("iomtd-1.log")
            #expect(await LabHarness.waitUntil(seconds: 10) { LabHarness.readLog(logFile).contains("Bluetooth unavailable") }, "\(lab.logs())")

            // bluetoothd starts later, on the same bus.
            let bench = try await BlueZMockBench(on: bus)
            defer { bench.stop() }
            // Its GATT database first, then the device (iomtd connects as soon as the device appears).
            let oximeter = BlueZMockBench.devicePath(Self.oximeterAddress)
            let service = try await bench.addService(oximeter, index: 0x20, uuid: 0x1822)
            let continuous = try await bench.addCharacteristic(service, index: 0x21, uuid: 0x2A5F, flags: ["notify"])
            _ = try await bench.addCharacteristic(service, index: 0x27, uuid: 0x2A60, flags: ["read"], readValue: [0x00, 0x00])
            _ = try await bench.addDevice(Self.oximeterAddress, name: "Oximeter", uuids: [bench.full(0x1822)])
            #expect(await waitForCalls(bench, continuous, "StartNotify", atLeast: 1), "\(lab.logs())")
            try await bench.notify(continuous, Self.plxContinuous)
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 2 }, "\(lab.logs())")
            #expect(LabHarness.readLog(logFile).contains("Bluetooth available again"))
            #expect(LabHarness.readLog(logFile).components(separatedBy: "Bluetooth unavailable").count - 1 == 1)
        }
    }
}

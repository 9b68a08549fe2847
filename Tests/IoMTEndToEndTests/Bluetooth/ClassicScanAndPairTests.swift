import Foundation
import Glibc
import IoMTDBus
import IoMTLab
import Testing

/// Bluetooth Classic through `iomtctl scan` and `iomtctl pair`: the real iomtd and iomtctl on a private system bus where
/// python-dbusmock plays bluetoothd with BR/EDR devices (a Class of Device, the Serial Port Profile's UUID) next to an
/// LE health device.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct ClassicScanAndPairTests {
    static let nonin = "00:1C:05:00:00:01"
    static let classicOximeter = "00:1C:05:00:00:02"
    static let heartRate = "A0:B1:C2:00:00:03"
    /// Class of Device: major class Health (0x09), minor 0x06 (pulse oximeter).
    static let pulseOximeterClass: UInt32 = 0x0918
    static let serialPort = "00001101-0000-1000-8000-00805f9b34fb"

    @Test func scanListsClassicSerialPortDevicesAlongsideLEHealthDevicesWithTheirTransport() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        _ = try await bench.addDevice(Self.heartRate, name: "HRM", uuids: [bench.full(0x180D)])
        _ = try await bench.addClassicDevice(Self.nonin, name: "Nonin_Medical_Inc._601234", uuids: [Self.serialPort], deviceClass: 0)
        _ = try await bench.addClassicDevice(Self.classicOximeter, name: "SpO2", uuids: [], deviceClass: Self.pulseOximeterClass)
        // Not health devices: an LE tag with no health service, a Classic headset (Audio/Video class, no SPP).
        _ = try await bench.addDevice("A0:B1:C2:00:00:0A", name: "Tag", uuids: [])
        _ = try await bench.addClassicDevice("00:1C:05:00:00:0B", name: "Headset", uuids: [], deviceClass: 0x240404)

        try await withGatewayScenario("classic-scan") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
            try BluetoothToDOMTests().writeConfiguration(lab, bluetooth: #"{"adapter": "hci0"}"#, devices: "[]")
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: lab.controlSocket) }, "\(lab.logs())")

            let (status, output) = try await LabHarness.run("iomtctl", ["scan", "--seconds", "1", "--json", "--socket", lab.controlSocket])
            #expect(status == 0, "\(output)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
            let rows = Dictionary(uniqueKeysWithValues: ((document["devices"] as? [[String: Any]]) ?? []).compactMap { row in
                (row["address"] as? String).map { ($0, row) }
            })
            #expect(rows[Self.nonin]?["transport"] as? String == "bredr", "\(output)")
            #expect(rows[Self.nonin]?["serialPort"] as? Bool == true, "\(output)")
            #expect(rows[Self.classicOximeter]?["transport"] as? String == "bredr", "\(output)")
            #expect(rows[Self.classicOximeter]?["serialPort"] as? Bool == false, "\(output)")
            #expect(rows[Self.heartRate]?["transport"] as? String == "le", "\(output)")
            #expect(rows[Self.heartRate]?["profile"] as? String == "ble-heart-rate", "\(output)")
            #expect(rows["A0:B1:C2:00:00:0A"] == nil && rows["00:1C:05:00:00:0B"] == nil, "only health devices: \(output)")

            let (_, text) = try await LabHarness.run("iomtctl", ["scan", "--seconds", "1", "--socket", lab.controlSocket])
            #expect(text.contains("\(Self.nonin)  -79 dBm  bredr  serial port (SPP)  Nonin_Medical_Inc._601234"), "\(text)")
            #expect(text.contains("\(Self.classicOximeter)  -79 dBm  bredr  health device class  SpO2"), "\(text)")
            #expect(text.contains("\(Self.heartRate)  -79 dBm  le  ble-heart-rate  HRM"), "\(text)")

            // BR/EDR inquiry as well as LE scanning, filtering no service (an old SPP device sends no EIR service list).
            let filter = try #require(try await bench.discoveryFilters().last, "iomtd set no discovery filter")
            #expect(filter["Transport"] == .string("auto"), "\(filter)")
            #expect(filter["UUIDs"]?.stringArrayValue == [], "\(filter)")
        }
    }

    @Test func classicPairingKeepsThePasskeyInA0600FileNeverLogsItAndTheAgentAnswersItAfterARestart() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        try await withGatewayScenario("classic-pair") { lab in
            // Entered once, on standard input (kept out of the command line and the shell history).
            let device = try await pairWithPasskey(lab, bench, devices: "[]")
            let file = lab.directory.appendingPathComponent("state/bluetooth-passkeys.json").path
            var information = stat()
            try #require(stat(file, &information) == 0, "no \(file)\n\(lab.logs())")
            #expect(information.st_mode & 0o777 == 0o600)
            #expect(try String(contentsOfFile: file, encoding: .utf8).contains(Self.nonin))

            // After a restart the device pairs again by itself (it pages the gateway): the agent answers from the file.
            await LabHarness.stop(try #require(lab.daemon))
            try lab.startDaemon()
            let restarted = try await agentOwner(lab, bench)
            var pin: String?
            _ = await LabHarness.waitUntil(seconds: 20) {
                pin = try? await bench.control.call(destination: restarted, path: "/org/iomtd/agent", interface: "org.bluez.Agent1",
                                                    member: "RequestPinCode", body: [.objectPath(device)]).first?.stringValue
                return pin != nil
            }
            #expect(pin == "739146", "\(lab.logs())")
            let passkey = try await bench.control.call(destination: restarted, path: "/org/iomtd/agent", interface: "org.bluez.Agent1",
                                                       member: "RequestPasskey", body: [.objectPath(device)])
            #expect(passkey.first?.uint32Value == 739146)
            // Another device gets nothing.
            await #expect(throws: (any Error).self) {
                _ = try await bench.control.call(destination: restarted, path: "/org/iomtd/agent", interface: "org.bluez.Agent1",
                                                 member: "RequestPinCode", body: [.objectPath(BlueZMockBench.devicePath("00:1C:05:00:00:09"))])
            }

            let names = try FileManager.default.contentsOfDirectory(atPath: lab.directory.path).filter { $0.hasSuffix(".log") }
            #expect(!names.isEmpty)
            for name in names {
                let log = LabHarness.readLog(lab.directory.appendingPathComponent(name))
                #expect(!log.contains("739146"), "\(name) carries the passkey")
            }
        }
    }

    /// With a Classic device configured, the agent is registered able to take a passkey from the start, so giving the
    /// passkey (`iomtctl pair --passkey`) does not register it again: re-registering makes it the default agent anew
    /// (taking that from an agent made default on purpose, as the BLE lab's simulated device does) and would cut off a
    /// pairing the device started meanwhile.
    @Test func aConfiguredClassicDeviceRegistersTheAgentOnceAbleToTakeItsPasskey() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        try await withGatewayScenario("classic-agent-once") { lab in
            _ = try await pairWithPasskey(lab, bench, devices: #"[{"profile": "nonin-9560-onyx2-format13", "address": "\#(Self.nonin)"}]"#)
            #expect(try await bench.calls("/org/bluez", "RegisterAgent") == 1, "\(lab.logs())")
            #expect(try await bench.calls("/org/bluez", "UnregisterAgent") == 0, "\(lab.logs())")
        }
    }

    /// Starts iomtd with `devices` beside the Nonin on the mock bus, whose Pair asks iomtd's agent for the PIN 739146, and
    /// pairs it with `echo 739146 | iomtctl pair … --passkey -`; returns the device's path.
    func pairWithPasskey(_ lab: GatewayScenario, _ bench: BlueZMockBench, devices: String) async throws -> DBusObjectPath {
        let device = try await bench.addClassicDevice(Self.nonin, name: "Nonin_Medical_Inc._601234", uuids: [Self.serialPort], deviceClass: 0)
        lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
        try BluetoothToDOMTests().writeConfiguration(lab, bluetooth: #"{"adapter": "hci0"}"#, devices: devices)
        try lab.startDaemon()
        let owner = try await agentOwner(lab, bench)
        try await bench.requirePinCode(device, pin: "739146", agentOwner: owner)
        #expect(await LabHarness.waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: lab.controlSocket) }, "\(lab.logs())")
        let iomtctl = LabHarness.binDirectory.appendingPathComponent("iomtctl").path
        let (paired, pairOutput) = try await LabHarness.runProgram("/bin/sh", ["-c", "echo 739146 | '\(iomtctl)' pair \(Self.nonin) --passkey - --socket '\(lab.controlSocket)'"])
        #expect(paired == 0, "\(pairOutput)\n\(lab.logs())")
        return device
    }

    /// iomtd's unique name on the bus once it has registered its agent.
    func agentOwner(_ lab: GatewayScenario, _ bench: BlueZMockBench) async throws -> String {
        let pid = try #require(lab.daemon?.processIdentifier)
        var owner: String?
        _ = await LabHarness.waitUntil(seconds: 20) {
            owner = try? await BluetoothToDOMTests().uniqueName(of: pid, on: bench)
            return owner != nil
        }
        return try #require(owner, "iomtd never connected to the bus\n\(lab.logs())")
    }
}

import Foundation
import IoMTConfiguration
import IoMTDaemon
import IoMTDoctor
import IoMTTestSupport
import Testing

/// BLE devices in `devices[]` (address instead of path) and the `bluetooth` section.
@Suite struct BluetoothConfigurationTests {
    func configuration(devices: String = "[]", _ bluetooth: String = "") -> String {
        """
        {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "\(RepositoryRoot.url.appendingPathComponent("DeviceProfiles").path)",
         "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "https://dom.example/fhir"},
         "devices": \(devices)\(bluetooth)}
        """
    }

    func problems(devices: String = "[]", _ bluetooth: String = "") -> String {
        do { _ = try DaemonConfiguration.parse(configuration(devices: devices, bluetooth), file: "/etc/iomtd/iomtd.json"); return "" } catch {
            return error.description
        }
    }

    @Test func bleDevicesAndTheBluetoothSectionAreParsed() throws {
        let parsed = try DaemonConfiguration.parse(configuration(devices: """
            [{"profile": "contec-cms50d-plus", "path": "/dev/ttyUSB0"},
             {"profile": "ble-blood-pressure", "address": "a0:b1:c2:00:00:01", "passkey": 123456},
             {"profile": "ble-glucose", "address": "A0:B1:C2:00:00:02", "pin": "0000"}]
            """, #", "bluetooth": {"adapter": "hci1", "autoConnectPaired": true, "setDeviceClock": false, "deviceUTCOffsetMinutes": 60, "busAddress": "unix:path=/tmp/bus"}"#),
            file: "iomtd.json")
        #expect(parsed.devices.map(\.path) == ["/dev/ttyUSB0"])
        let bluetooth = parsed.bluetooth
        #expect(bluetooth.enabled && bluetooth.autoConnectPaired && !bluetooth.setDeviceClock)
        #expect(bluetooth.adapter == "hci1" && bluetooth.deviceUTCOffsetMinutes == 60 && bluetooth.busAddress == "unix:path=/tmp/bus")
        #expect(bluetooth.devices.map(\.address) == ["A0:B1:C2:00:00:01", "A0:B1:C2:00:00:02"])
        #expect(bluetooth.devices.map(\.passkey) == [123456, nil])
        #expect(bluetooth.devices.map(\.pin) == [nil, "0000"])
    }

    @Test func bluetoothIsOffUnlessConfigured() throws {
        #expect(try !DaemonConfiguration.parse(configuration(), file: "x").bluetooth.enabled)
        #expect(try DaemonConfiguration.parse(configuration(#", "bluetooth": {}"#), file: "x").bluetooth.enabled)
        let withDevice = try DaemonConfiguration.parse(configuration(devices: #"[{"profile": "ble-heart-rate", "address": "00:11:22:33:44:55"}]"#), file: "x")
        #expect(withDevice.bluetooth.enabled && !withDevice.bluetooth.autoConnectPaired && withDevice.bluetooth.adapter == nil)
    }

    @Test func mistakesNameTheFieldAndWhatWasExpected() {
        #expect(problems(devices: #"[{"profile": "ble-heart-rate", "address": "00:11:22:33:44"}]"#)
                == #"/etc/iomtd/iomtd.json: devices[0].address: expected a Bluetooth address: six pairs of hex digits separated by colons (AA:BB:CC:DD:EE:FF), found "00:11:22:33:44""#)
        #expect(problems(devices: #"[{"profile": "ble-heart-rate", "address": "00:11:22:33:44:55", "path": "/dev/x"}]"#)
                == "/etc/iomtd/iomtd.json: devices[0].path: expected one of address, passkey, pin, profile, found unknown field")
        #expect(problems(devices: #"[{"profile": "ble-heart-rate", "address": "00:11:22:33:44:55", "passkey": 1000000}]"#)
                == "/etc/iomtd/iomtd.json: devices[0].passkey: expected a passkey from 0 to 999999, found 1000000")
        #expect(problems(devices: #"[{"profile": "ble-heart-rate", "address": "00:11:22:33:44:55"}, {"profile": "ble-glucose", "address": "00:11:22:33:44:55"}]"#)
                == #"/etc/iomtd/iomtd.json: devices[1].address: expected an address listed once, found "00:11:22:33:44:55" again"#)
        #expect(problems(#", "bluetooth": {"adapter": "bt0"}"#) == #"/etc/iomtd/iomtd.json: bluetooth.adapter: expected an adapter name such as hci0, found "bt0""#)
        #expect(problems(#", "bluetooth": {"autoConnectPaired": "yes"}"#) == #"/etc/iomtd/iomtd.json: bluetooth.autoConnectPaired: expected true or false, found "yes""#)
        #expect(problems(#", "bluetooth": {"busAddress": "/run/dbus/system_bus_socket"}"#)
                == #"/etc/iomtd/iomtd.json: bluetooth.busAddress: expected a D-Bus address such as unix:path=/run/dbus/system_bus_socket, found "/run/dbus/system_bus_socket""#)
        #expect(problems(#", "bluetooth": {"adaptor": "hci0"}"#).contains("bluetooth.adaptor: expected one of adapter, autoConnectPaired, busAddress, deviceUTCOffsetMinutes, setDeviceClock, found unknown field"))
    }

    /// A ble profile is read over GATT; a serial (byte-stream) profile with an address over Bluetooth Classic SPP.
    @Test func theProfileOfABluetoothDeviceMustBeAKnownBLEOrByteStreamProfile() throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-ble-config")
        let path = directory.appendingPathComponent("iomtd.json").path
        try configuration(devices: """
            [{"profile": "contec-cms50d-plus", "address": "00:11:22:33:44:55"},
             {"profile": "ble-no-such", "address": "00:11:22:33:44:56"},
             {"profile": "ble-pulse-oximeter", "address": "00:11:22:33:44:57"},
             {"profile": "nonin-3230", "address": "00:11:22:33:44:58"},
             {"profile": "contec-oximeter-ble", "address": "00:11:22:33:44:59"}]
            """).write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try GatewayDaemon.load(configPath: path)
            Issue.record("an unknown profile for a Bluetooth device must be refused")
        } catch {
            let text = error.description
            #expect(!text.contains("devices[0]"), "a serial profile with an address is an SPP device: \(text)")
            #expect(text.contains(#"devices[1].profile: expected one of "#) && text.contains(#"found "ble-no-such""#), "\(text)")
            #expect(!text.contains("devices[2]"), "\(text)")
            // Vendor GATT drivers are Bluetooth LE devices too.
            #expect(!text.contains("devices[3]") && !text.contains("devices[4]") && !text.contains("expected a GATT driver"), "\(text)")
        }
    }

    /// A device with several health services names its address once and lists its profiles; one connection reads them all.
    @Test func aDeviceWithSeveralServicesListsItsProfilesUnderOneAddress() throws {
        let parsed = try DaemonConfiguration.parse(configuration(devices: """
            [{"profile": ["ble-blood-pressure", "ble-pulse-oximeter"], "address": "00:11:22:33:44:55"}]
            """), file: "iomtd.json")
        #expect(parsed.bluetooth.devices.map(\.profileIds) == [["ble-blood-pressure", "ble-pulse-oximeter"]])
        #expect(problems(devices: #"[{"profile": ["ble-blood-pressure", "ble-blood-pressure"], "address": "00:11:22:33:44:55"}]"#)
                == #"/etc/iomtd/iomtd.json: devices[0].profile[1]: expected each profile listed once, found "ble-blood-pressure" again"#)
        #expect(problems(devices: #"[{"profile": [], "address": "00:11:22:33:44:55"}]"#).contains("devices[0].profile: expected a ble-… profile id"))
        // The same address in two entries is still a mistake: one entry, several profiles.
        #expect(problems(devices: #"[{"profile": "ble-blood-pressure", "address": "00:11:22:33:44:55"}, {"profile": "ble-pulse-oximeter", "address": "00:11:22:33:44:55"}]"#)
                == #"/etc/iomtd/iomtd.json: devices[1].address: expected an address listed once, found "00:11:22:33:44:55" again"#)
    }

    /// Only GATT profiles share a connection, and one device keeps one download mark: two RACP profiles are refused.
    @Test func profilesThatCannotShareAConnectionAreRefused() throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-multi-config")
        let path = directory.appendingPathComponent("iomtd.json").path
        try configuration(devices: """
            [{"profile": ["ble-blood-pressure", "contec-cms50d-plus"], "address": "00:11:22:33:44:55"},
             {"profile": ["ble-glucose", "ble-pulse-oximeter"], "address": "00:11:22:33:44:56"},
             {"profile": ["ble-blood-pressure", "ble-no-such"], "address": "00:11:22:33:44:57"},
             {"profile": ["ble-weight-scale", "ble-heart-rate"], "address": "00:11:22:33:44:58"}]
            """).write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try GatewayDaemon.load(configPath: path)
            Issue.record("profiles that cannot share a connection must be refused")
        } catch {
            let text = error.description
            #expect(text.contains(#"devices[0].profile: profile contec-cms50d-plus: transport: expected "ble": only Bluetooth LE (GATT) profiles share one connection"#), "\(text)")
            #expect(text.contains(#"devices[1].profile: profile ble-pulse-oximeter: profile: expected at most one profile that downloads stored records (RACP) per device"#), "\(text)")
            #expect(text.contains(#"devices[2].profile[1]: expected one of "#), "\(text)")
            #expect(!text.contains("devices[3]"), "\(text)")
        }
    }

    /// The vendor GATT drivers (Contec FF12: commands on FF01, answers on FF02) are Bluetooth devices like the SIG profiles:
    /// the configuration check once built only SIG profile sessions and refused them ("expected a GATT driver (one of …
    /// \"contec-spirometer-ble\"), found \"contec-spirometer-ble\"").
    @Test func aContecGATTProfileIsAcceptedForABluetoothDevice() throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-contec-ble-config")
        let path = directory.appendingPathComponent("iomtd.json").path
        try configuration(devices: #"[{"profile": "contec-spirometer-ble", "address": "00:11:22:33:44:59"}]"#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: Never.self) { _ = try GatewayDaemon.load(configPath: path) }
    }

    /// `devices[]` mixes Bluetooth and serial entries: a serial entry's error names its own position in the file.
    @Test func aSerialDeviceAfterBluetoothOnesIsNamedByItsPositionInTheFile() throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-mixed-config")
        let path = directory.appendingPathComponent("iomtd.json").path
        try configuration(devices: """
            [{"profile": "ble-pulse-oximeter", "address": "00:11:22:33:44:57"},
             {"profile": "ble-blood-pressure", "address": "00:11:22:33:44:58"},
             {"profile": "no-such-oximeter", "path": "/dev/ttyUSB0"}]
            """).write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try GatewayDaemon.load(configPath: path)
            Issue.record("an unknown serial profile must be refused")
        } catch {
            let text = error.description
            #expect(text.contains(#"devices[2].profile: expected one of"#) && text.contains(#"found "no-such-oximeter""#), "\(text)")
            #expect(!text.contains("devices[0]"), "\(text)")
        }
    }

    /// Doctor counts Bluetooth devices and, with one configured, treats a missing bluetoothd or adapter as a problem.
    @Test func doctorSeesConfiguredBluetoothDevices() async throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-doctor-ble")
        let path = directory.appendingPathComponent("iomtd.json").path
        try """
            {"stateDirectory": "\(directory.path)", "profilesDirectory": "\(RepositoryRoot.url.appendingPathComponent("DeviceProfiles").path)",
             "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "http://127.0.0.1:9/fhir"},
             "devices": [{"profile": "ble-pulse-oximeter", "address": "00:11:22:33:44:57"}]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let findings = await Doctor(configPath: path).run()
        let configuration = try #require(findings.first { $0.check == "configuration" })
        #expect(configuration.detail.contains("1 Bluetooth device(s)"), "\(configuration.detail)")
        for check in ["bluetoothd", "bluetooth adapter"] {
            let finding = try #require(findings.first { $0.check == check })
            #expect(finding.status != .info, "\(check): \(finding.detail) — a configured BLE device needs it")
        }
    }
}

import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// `bluetoothQuirks` (docs/profile-format.md): a closed set checked on load, carried by the SIG drivers' GATT need to
/// the Bluetooth connection, and refused for a driver that would ignore it.
@Suite struct BluetoothQuirksProfileTests {
    let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)

    static func bloodPressure(quirks: String) -> String {
        """
        { "id": "and-test", "schemaVersion": 1, "manufacturer": "A&D Medical", "model": "UA-651BLE", "deviceClass": "blood-pressure-monitor",
          "driver": "ble-blood-pressure", "transport": "ble", "match": { "bleServices": ["1810"] }, "bluetoothQuirks": \(quirks) }
        """
    }

    func issues(_ text: String) -> [ProfileError.Issue] {
        do { _ = try loader.parse(bytes: Array(text.utf8), sourcePath: "DeviceProfiles/and-test.json"); return [] } catch { return error.issues }
    }

    @Test func theQuirksLoadAndReachTheConnectionThroughTheReadersGATTNeed() throws {
        let profile = try loader.parse(bytes: Array(Self.bloodPressure(quirks: #"["bonding-required", "date-time-in-service"]"#).utf8), sourcePath: "p.json")
        #expect(profile.bluetoothQuirks == [.bondingRequired, .dateTimeInService])
        #expect(try DriverRegistry.makeReader(for: profile).needs.gattProfile?.quirks == [.bondingRequired, .dateTimeInService])
        // Several profiles on one connection: the connection honours every member's quirks.
        var plain = profile
        plain.bluetoothQuirks = []
        #expect(try DriverRegistry.makeReader(for: [profile, plain]).needs.gattProfile?.quirks == [.bondingRequired, .dateTimeInService])
    }

    @Test func anUnknownQuirkNamesTheFileTheFieldTheChoicesAndWhatWasFound() {
        let found = issues(Self.bloodPressure(quirks: #"["date-time-in-service", "bonding-requried", 3]"#))
        let choices = #"one of "date-time-in-service", "disconnects-after-sending", "bonding-required""#
        #expect(found.map(\.description) == [
            #"DeviceProfiles/and-test.json: bluetoothQuirks[1]: expected \#(choices), found "bonding-requried""#,
            #"DeviceProfiles/and-test.json: bluetoothQuirks[2]: expected \#(choices), found 3"#,
        ])
    }

    @Test func aRepeatedQuirkAndAQuirkOnASerialProfileAreRefused() {
        #expect(issues(Self.bloodPressure(quirks: #"["bonding-required", "bonding-required"]"#)).map(\.description)
                == [#"DeviceProfiles/and-test.json: bluetoothQuirks[1]: expected each quirk listed once, found "bonding-required""#])
        #expect(issues(Self.bloodPressure(quirks: #""bonding-required""#)).map(\.description)
                == [#"DeviceProfiles/and-test.json: bluetoothQuirks: expected an array, found "bonding-required""#])
        let serial = """
            { "id": "serial-test", "schemaVersion": 1, "manufacturer": "x", "model": "y", "deviceClass": "pulse-oximeter",
              "driver": "contec-cms50-legacy", "transport": "serial", "match": { "usb": [] },
              "serial": { "baudRate": 19200, "dataBits": 8, "parity": "odd", "stopBits": 1 }, "bluetoothQuirks": ["bonding-required"] }
            """
        #expect(issues(serial).map(\.field) == ["bluetoothQuirks"])
        #expect(issues(serial).first?.expected == #"no bluetoothQuirks for transport "serial" (they change a Bluetooth LE connection)"#)
    }

    @Test func aDriverWhoseReaderWouldIgnoreTheQuirksRefusesTheProfile() throws {
        var profile = try loader.parse(bytes: Array(Self.bloodPressure(quirks: #"["disconnects-after-sending"]"#).utf8), sourcePath: "p.json")
        profile.driver = "nonin-3230"
        profile.match = MatchRules(bleServices: [BluetoothUUID(parsing: "46a970e0-0d5f-11e2-8b5e-0002a5d5c51b")!])
        #expect { _ = try DriverRegistry.makeReader(for: profile) } throws: { error in
            let error = error as? DriverConfigurationError
            return error?.field == "bluetoothQuirks" && error?.found == #""disconnects-after-sending""#
                && error?.expected.hasPrefix(#"no bluetoothQuirks for driver "nonin-3230" (only the Bluetooth SIG profile drivers honour them: "ble-blood-pressure""#) == true
        }
    }

    @Test func theShippedAAndDProfilesCarryAllThreeQuirksOnTheStandardDrivers() throws {
        let profiles = try loader.load(directory: Repository.profilesDirectory)
        for id in ["and-ua651ble", "and-ut201ble"] {
            let profile = try #require(profiles.first { $0.id == id })
            #expect(profile.bluetoothQuirks == Set(BluetoothQuirk.allCases))
            #expect(profile.driver.hasPrefix("ble-"), "a quirk set on a standard profile, not a driver of its own")
        }
    }
}

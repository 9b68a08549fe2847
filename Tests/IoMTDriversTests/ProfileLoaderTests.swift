import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// Every validation message names the file, the field, what was expected and what was found.
@Suite struct ProfileLoaderTests {
    static let valid = """
    {
      "id": "contec-test",
      "schemaVersion": 1,
      "manufacturer": "Contec",
      "model": "CMS50D+",
      "deviceClass": "pulse-oximeter",
      "driver": "contec-cms50-legacy",
      "transport": "serial",
      "match": { "usb": [ { "vendorId": "10c4", "productId": "ea60", "product": "USB to UART" } ] },
      "serial": { "baudRate": 19200, "dataBits": 8, "parity": "odd", "stopBits": 1, "flowControl": "none" },
      "driverOptions": { "reportIntervalMs": 1000 },
      "quirks": ["one-quirk"],
      "notes": "free text"
    }
    """

    let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)

    /// A private temporary directory holding the given files.
    private func directory(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url.path
    }

    private func issues(_ text: String) throws -> (path: String, issues: [ProfileError.Issue]) {
        let path = try directory(["p.json": text]) + "/p.json"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            _ = try loader.load(file: path)
            return (path, [])
        } catch {
            return (path, error.issues)
        }
    }

    private func replacing(_ old: String, _ new: String) -> String {
        precondition(Self.valid.contains(old), "fixture text lacks \(old)")
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test func validProfileLoads() throws {
        let path = try directory(["p.json": Self.valid]) + "/p.json"
        let profile = try loader.load(file: path)
        #expect(profile.id == "contec-test")
        #expect(profile.serial == SerialSettings(baudRate: 19200, dataBits: 8, parity: .odd, stopBits: 1, flowControl: .none))
        #expect(profile.match.usb == [USBMatch(vendorId: 0x10c4, productId: 0xea60, product: "USB to UART")])
        #expect(profile.driverOptions["reportIntervalMs"] == .number("1000"))
        #expect(profile.quirks == ["one-quirk"])
        #expect(profile.sourcePath == path)
    }

    static let bluetooth = """
    { "id": "ble-test", "schemaVersion": 1, "manufacturer": "any", "model": "any", "deviceClass": "glucose-meter",
      "driver": "ble-glucose", "transport": "ble", "match": { "bleServices": ["1808"] } }
    """

    @Test func bluetoothProfileLoadsWithItsServices() throws {
        let path = try directory(["p.json": Self.bluetooth]) + "/p.json"
        let profile = try loader.load(file: path)
        #expect(profile.transport == .ble && profile.serial == nil && profile.match.bleServices == ["1808"])
    }

    /// Vendor services are declared in full; an assigned number may be written either way and is the same service.
    @Test func bluetoothServicesMayBe128BitInEitherSpelling() throws {
        let text = Self.bluetooth.replacingOccurrences(of: "[\"1808\"]",
                                                       with: "[\"00001808-0000-1000-8000-00805F9B34FB\", \"6E400001-B5A3-F393-E0A9-E50E24DCCA9E\"]")
        let profile = try loader.load(file: try directory(["p.json": text]) + "/p.json")
        #expect(profile.match.bleServices == ["1808", "6e400001-b5a3-f393-e0a9-e50e24dcca9e"])
        #expect(ProfileCatalog(profiles: [profile]).matches(bleServices: [BluetoothUUID(0x1808)]).count == 1)
    }

    @Test func bluetoothProfileNeedsAServiceAndNoUSBRules() throws {
        let (path, empty) = try issues(Self.bluetooth.replacingOccurrences(of: "{ \"bleServices\": [\"1808\"] }", with: "{ \"bleServices\": [] }"))
        #expect(empty.map(\.description) == ["\(path): match.bleServices: expected at least one advertised service UUID such as \"1810\" (transport is \"ble\"), found an empty array"])
        let (_, usb) = try issues(Self.bluetooth.replacingOccurrences(of: "{ \"bleServices\": [\"1808\"] }",
                                                                     with: "{ \"usb\": [ { \"vendorId\": \"10c4\", \"productId\": \"ea60\" } ] }"))
        #expect(usb.map(\.field) == ["match.bleServices", "match.usb"])
        #expect(usb.first?.found == "nothing (the field is missing)")
        let (_, badUUID) = try issues(Self.bluetooth.replacingOccurrences(of: "[\"1808\"]", with: "[\"18081\"]"))
        #expect(badUUID.map(\.field) == ["match.bleServices[0]", "match.bleServices"])
    }

    @Test func parityMessageNamesFileFieldExpectationAndFinding() throws {
        let (path, found) = try issues(replacing("\"parity\": \"odd\"", "\"parity\": \"space\""))
        #expect(found.map(\.description) == ["\(path): serial.parity: expected one of \"none\", \"odd\", \"even\", found \"space\""])
    }

    @Test func allErrorsOfAFileAreCollected() throws {
        let text = replacing("\"baudRate\": 19200, \"dataBits\": 8, \"parity\": \"odd\", \"stopBits\": 1",
                             "\"baudRate\": 12345, \"dataBits\": 9, \"parity\": \"odd\", \"stopBits\": 3")
        let (_, found) = try issues(text)
        #expect(found.map(\.field) == ["serial.baudRate", "serial.dataBits", "serial.stopBits"])
        #expect(found[0].expected.hasPrefix("a standard termios rate (one of 50, 75,"))
        #expect(found[0].found == "12345")
        #expect(found[1].expected == "an integer from 5 to 8" && found[1].found == "9")
        #expect(found[2].expected == "1 or 2" && found[2].found == "3")
    }

    @Test func unknownFieldsAreErrors() throws {
        let (_, top) = try issues(replacing("\"notes\"", "\"note\""))
        #expect(top.map(\.field) == ["note"])
        #expect(top.first?.found == "unknown field \"note\"")
        let (_, nested) = try issues(replacing("\"parity\"", "\"partiy\""))
        #expect(Set(nested.map(\.field)) == ["serial.partiy", "serial.parity"])
        let (_, usb) = try issues(replacing("\"product\":", "\"products\":"))
        #expect(usb.map(\.field) == ["match.usb[0].products"])
    }

    @Test func idMustBeKebabCase() throws {
        let (_, found) = try issues(replacing("\"contec-test\"", "\"Contec_Test\""))
        #expect(found.map(\.description).first?.hasSuffix("id: expected a string of lower-case letters, digits and '-' ([a-z0-9-]+), found \"Contec_Test\"") == true)
    }

    @Test func usbIdsAreFourHexDigits() throws {
        let (_, found) = try issues(replacing("\"vendorId\": \"10c4\", \"productId\": \"ea60\"", "\"vendorId\": \"10c\", \"productId\": 60000"))
        #expect(found.map(\.field) == ["match.usb[0].vendorId", "match.usb[0].productId"])
        #expect(found.map(\.found) == ["\"10c\"", "60000"])
        #expect(found[0].expected == "4 hex digits as a string, such as \"10c4\"")
    }

    @Test func driverMustBeRegistered() throws {
        let (_, found) = try issues(replacing("\"contec-cms50-legacy\"", "\"contec-cms50\""))
        #expect(found.map(\.field) == ["driver"])
        // The message lists every registered driver, sorted (a new driver folder changes the list, not this test).
        #expect(found[0].expected == "a registered driver id (one of "
                + DriverRegistry.driverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", ") + ")")
        #expect(found[0].expected.contains("\"contec-cms50-legacy\", \"contec-cms50-v46\""))
        #expect(found[0].found == "\"contec-cms50\"")
    }

    @Test func serialBlockRequiredForSerialTransport() throws {
        let text = replacing("\"serial\": { \"baudRate\": 19200, \"dataBits\": 8, \"parity\": \"odd\", \"stopBits\": 1, \"flowControl\": \"none\" },", "")
        let (_, found) = try issues(text)
        #expect(found.map(\.description).first?.hasSuffix("serial: expected a serial block (transport is \"serial\"), found nothing (the field is missing)") == true)
    }

    @Test func bleTransportTakesNoSerialBlock() throws {
        // The USB match rules are wrong for BLE too, and the advertised service is missing.
        let (_, found) = try issues(replacing("\"transport\": \"serial\"", "\"transport\": \"ble\""))
        #expect(found.map(\.field) == ["serial", "match.bleServices", "match.usb"])
        let (_, transport) = try issues(replacing("\"transport\": \"serial\"", "\"transport\": \"usb\""))
        #expect(transport.map(\.expected) == ["one of \"serial\", \"ble\""])
    }

    @Test func sppRoleSaysWhichSideConnectsAndAWrongOneNamesFileFieldAndChoices() throws {
        #expect(try loader.parse(bytes: Array(Self.valid.utf8), sourcePath: "p.json").sppRole == .deviceConnects, "the default: the device connects")
        let gateway = replacing("\"quirks\"", "\"sppRole\": \"gateway-connects\", \"quirks\"")
        #expect(try loader.parse(bytes: Array(gateway.utf8), sourcePath: "p.json").sppRole == .gatewayConnects)
        let (path, found) = try issues(replacing("\"quirks\"", "\"sppRole\": \"client\", \"quirks\""))
        #expect(found.map(\.description) == ["\(path): sppRole: expected one of \"device-connects\", \"gateway-connects\", found \"client\""])
        // A BLE profile opens no RFCOMM link: the field is refused there, not ignored.
        let ble = #"{ "id": "ble-test", "schemaVersion": 1, "manufacturer": "any", "model": "any", "deviceClass": "pulse-oximeter", "driver": "ble-pulse-oximeter", "transport": "ble", "match": { "bleServices": ["1822"] }, "sppRole": "gateway-connects" }"#
        #expect { try loader.parse(bytes: Array(ble.utf8), sourcePath: "ble.json") } throws: { error in
            (error as? ProfileError)?.issues.map(\.field) == ["sppRole"]
        }
    }

    @Test func missingRequiredFieldsAreNamed() throws {
        let (_, found) = try issues("{\"schemaVersion\": 2}")
        #expect(found.map(\.field) == ["id", "schemaVersion", "manufacturer", "model", "deviceClass", "driver", "transport", "match"])
        #expect(found[1].expected == "1" && found[1].found == "2")
    }

    @Test func wrongTypesAreReported() throws {
        let (_, found) = try issues(replacing("\"quirks\": [\"one-quirk\"]", "\"quirks\": \"one-quirk\""))
        #expect(found.map(\.description).first?.hasSuffix("quirks: expected an array, found \"one-quirk\"") == true)
        let (_, root) = try issues("[1, 2]")
        #expect(root.map(\.field) == ["(document)"])
        #expect(root.first?.found == "an array")
        let (_, notes) = try issues(replacing("\"notes\": \"free text\"", "\"notes\": 5"))
        #expect(notes.map(\.field) == ["notes"])
    }

    @Test func repeatedFieldsAreErrors() throws {
        let (_, found) = try issues(replacing("\"notes\": \"free text\"", "\"notes\": \"a\", \"notes\": \"b\""))
        #expect(found.map(\.field) == ["notes"])
        #expect(found.first?.expected == "each field once")
    }

    @Test func syntaxErrorsGiveLineAndColumn() throws {
        let (path, found) = try issues("{\n  \"id\": \"x\",\n  oops\n}")
        #expect(found.map(\.description) == ["\(path): line 3, column 3: expected valid JSON, found expected a quoted member name"])
    }

    @Test func missingFileIsReported() {
        #expect(throws: ProfileError.self) { try loader.load(file: "/nonexistent/iomt/profile.json") }
        do { _ = try loader.load(file: "/nonexistent/iomt/profile.json") } catch {
            #expect(error.issues.first?.field == "(file)")
            #expect(error.description.contains("/nonexistent/iomt/profile.json: (file): expected a readable file, found No such file or directory (errno 2)"))
        }
    }

    @Test func duplicateIdsAcrossFilesNameBothFiles() throws {
        let path = try directory(["a.json": Self.valid, "b.json": Self.valid, "ignored.txt": "x"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try loader.load(directory: path)
            Issue.record("duplicate ids must not load")
        } catch {
            #expect(error.issues.map(\.description) == ["\(path)/b.json: id: expected an id no other profile uses, found \"contec-test\", already used by \(path)/a.json"])
        }
    }

    @Test func directoryErrorsOfAllFilesAreCollected() throws {
        let path = try directory(["a.json": replacing("\"odd\"", "\"space\""), "b.json": "{"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try loader.load(directory: path)
            Issue.record("broken files must not load")
        } catch {
            #expect(error.issues.map(\.file) == ["\(path)/a.json", "\(path)/b.json"])
        }
    }

    @Test func parseIsPureAndNamesTheGivenSource() {
        do {
            _ = try loader.parse(bytes: Array("{}".utf8), sourcePath: "DeviceProfiles/contec-cms50d-plus.json")
            Issue.record("empty profile must not parse")
        } catch {
            #expect(error.issues.allSatisfy { $0.file == "DeviceProfiles/contec-cms50d-plus.json" })
        }
    }

    @Test func realProfilesDirectoryLoads() throws {
        let profiles = try loader.load(directory: Repository.profilesDirectory)
        // Every shipped file loads, each under the id its file is named by (a new driver's profile needs no entry here).
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.profilesDirectory)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
        #expect(files.count >= 17)
        #expect(profiles.map(\.id) == files)
        let serial = profiles.filter { $0.transport == .serial }
        #expect(serial.first { $0.id == "contec-cms50d-plus" }?.serial == SerialSettings(baudRate: 19200, dataBits: 8, parity: .odd, stopBits: 1))
        #expect(serial.first { $0.id == "contec-cms50e" }?.serial == SerialSettings(baudRate: 115200, dataBits: 8, parity: .none, stopBits: 1))
        // Over Bluetooth Classic: the Nonin 9560 in format #13 pages the gateway; the gateway connects to the CMS50D-BT.
        #expect(serial.first { $0.id == "nonin-9560-onyx2-format13" }?.sppRole == .deviceConnects)
        #expect(serial.first { $0.id == "contec-cms50d-bt" }?.sppRole == .gatewayConnects)
        for profile in profiles {
            if profile.transport == .ble {
                #expect(throws: Never.self) { _ = try DriverRegistry.makeReader(for: profile) }
            } else {
                #expect(throws: Never.self) { _ = try DriverRegistry.makeSession(for: profile) }
            }
        }
    }

    @Test func catalogLooksUpAndMatches() throws {
        let catalog = try Repository.catalog()
        #expect(catalog.profile(id: "contec-cms50e")?.driver == "contec-cms50-v46")
        #expect(catalog.profile(id: "nope") == nil)
        #expect(catalog.matches(vendorId: 0x10c4, productId: 0xea60, product: "CP2102 USB to UART Bridge Controller").map(\.id)
                == ["contec-cms50d-plus", "contec-cms50e"])
        #expect(catalog.matches(vendorId: 0x067b, productId: 0x2303, product: nil).count == 2)
        #expect(catalog.matches(vendorId: 0x0403, productId: 0x6001, product: "FT232R").isEmpty)
        let specific = ProfileCatalog(profiles: [
            DeviceProfile(id: "generic", manufacturer: "m", model: "m", deviceClass: "c", driver: "d", transport: .serial,
                          match: MatchRules(usb: [USBMatch(vendorId: 1, productId: 2)]), serial: nil),
            DeviceProfile(id: "aaa-specific", manufacturer: "m", model: "m", deviceClass: "c", driver: "d", transport: .serial,
                          match: MatchRules(usb: [USBMatch(vendorId: 1, productId: 2, product: "Oximeter")]), serial: nil),
        ])
        #expect(specific.matches(vendorId: 1, productId: 2, product: "Contec OXIMETER cable").map(\.id) == ["aaa-specific", "generic"])
        #expect(specific.matches(vendorId: 1, productId: 2, product: "other").map(\.id) == ["generic"])
    }
}

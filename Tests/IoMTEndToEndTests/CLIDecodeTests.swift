import Foundation
import Testing

/// `iomtctl decode` as a technician runs it.
@Suite struct CLIDecodeTests {
    let profiles = ["--profiles-dir", LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path]

    @Test func unknownProfileIsAUsageError() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "no-such-device", "--hex", "00"] + profiles)
        #expect(status == 2)
        #expect(output.contains("no profile 'no-such-device'"))
        #expect(output.contains("contec-cms50d-plus"), "should list the known profiles")
    }

    @Test func malformedHexIsAUsageError() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8 3"] + profiles)
        #expect(status == 2)
        #expect(output.contains("--hex"))
        let (status2, output2) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "zz"] + profiles)
        #expect(status2 == 2)
        #expect(output2.contains("not a hex digit"))
    }

    @Test func decodesEveryFixtureToItsExpectedJSON() async throws {
        let fixtures = LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures")
        let drivers = try FileManager.default.contentsOfDirectory(atPath: fixtures.path)
        var checked = 0
        for driver in drivers.sorted() {
            let driverDir = fixtures.appendingPathComponent(driver)
            for caseName in (try? FileManager.default.contentsOfDirectory(atPath: driverDir.path))?.sorted() ?? [] {
                let caseDir = driverDir.appendingPathComponent(caseName)
                guard let caseData = try? Data(contentsOf: caseDir.appendingPathComponent("case.json")),
                      let caseInfo = try? JSONSerialization.jsonObject(with: caseData) as? [String: Any],
                      let profile = caseInfo["profile"] as? String,
                      let hex = try? String(contentsOf: caseDir.appendingPathComponent("capture.hex"), encoding: .utf8),
                      let expectedData = try? Data(contentsOf: caseDir.appendingPathComponent("expected.json")) else { continue }
                // Bluetooth cases: one value of the named characteristic. Cases needing an earlier read
                // (a Temperature Type) need a session across values, which the CLI does not keep.
                if caseInfo["before"] != nil { continue }
                var characteristic = (caseInfo["characteristic"] as? String).map { ["--characteristic", $0] } ?? []
                // Memory records (Omron cuffs): `--record`, with the user or address they were read from.
                if caseInfo["record"] as? Bool == true {
                    characteristic = ["--record"] + ((caseInfo["address"] as? String).map { ["--address", $0] } ?? [])
                        + ((caseInfo["user"] as? Int).map { ["--user", String($0)] } ?? [])
                }
                let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", profile, "--hex", hex] + characteristic + profiles)
                if let rejected = caseInfo["rejectedContaining"] as? [String] {
                    #expect(status == 2, "\(driver)/\(caseName): \(output)")
                    for part in rejected { #expect(output.contains(part), "\(driver)/\(caseName): \(output)") }
                    checked += 1
                    continue
                }
                #expect(status == 0, "\(driver)/\(caseName): \(output)")
                let actual = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? NSDictionary
                let expected = try JSONSerialization.jsonObject(with: expectedData) as? NSDictionary
                #expect(actual == expected, "\(driver)/\(caseName)")
                checked += 1
            }
        }
        #expect(checked >= 400)
    }

    /// `--record` decodes one record as read from an Omron cuff's memory (values, user, slot, device time); a profile
    /// without a memory layout, or an address outside the record areas, is a usage error that says why.
    @Test func aStoredRecordIsDecodedWithItsUserAndDeviceTime() async throws {
        let hex = "5b 78 1a 48 19 d7 1b 42 00 00 14 00 69 96"
        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "omron-hem-7322t", "--record", "--address", "0x0824", "--hex", hex] + profiles)
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix(#"{"user":2,"slot":0,"observations":["#), "\(output)")
        #expect(output.contains(#""value":"145""#) && output.contains(#""deviceTime":"2026-06-14T23:45:02.000""#), "\(output)")
        let (wrongAddress, addressOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "omron-hem-7322t", "--record", "--address", "0x02AD", "--hex", hex] + profiles)
        #expect(wrongAddress == 2 && addressOutput.contains("does not start a record"), "\(addressOutput)")
        let (noLayout, layoutOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-blood-pressure", "--record", "--hex", hex] + profiles)
        #expect(noLayout == 2 && layoutOutput.contains("no memory record layout"), "\(layoutOutput)")
        let (stray, strayOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "omron-hem-7322t", "--user", "2", "--hex", hex] + profiles)
        #expect(stray == 2 && strayOutput.contains("go with --record"), "\(strayOutput)")
    }

    @Test func bluetoothCharacteristicIsCheckedAndExplained() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-heart-rate", "--characteristic", "2A99", "--hex", "00 48"] + profiles)
        #expect(status == 2)
        #expect(output.contains("characteristic 0x2A99 is not part of Heart Rate Service (0x180D)") && output.contains("2A37"))
        let (status2, output2) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-heart-rate", "--characteristic", "HR", "--hex", "00 48"] + profiles)
        #expect(status2 == 2 && output2.contains("4 hex digits"))
        let (status3, output3) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--characteristic", "2A37", "--hex", "00"] + profiles)
        #expect(status3 == 2 && output3.contains("Bluetooth (GATT) profiles"))
    }

    /// The 128-bit spelling of an assigned number is the same characteristic; a vendor UUID is named in full when refused.
    @Test func bluetoothCharacteristicMayBeGivenInFull() async throws {
        let (shortStatus, shortOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-heart-rate", "--characteristic", "2A37", "--hex", "00 48"] + profiles)
        let (fullStatus, fullOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-heart-rate", "--characteristic",
                                                        "00002A37-0000-1000-8000-00805F9B34FB", "--hex", "00 48"] + profiles)
        #expect(shortStatus == 0 && fullStatus == 0 && fullOutput == shortOutput)
        let (vendorStatus, vendorOutput) = try await LabHarness.run("iomtctl", ["decode", "--profile", "ble-heart-rate", "--characteristic",
                                                          "6E400003-B5A3-F393-E0A9-E50E24DCCA9E", "--hex", "00 48"] + profiles)
        #expect(vendorStatus == 2 && vendorOutput.contains("characteristic 6e400003-b5a3-f393-e0a9-e50e24dcca9e is not part of Heart Rate Service"))
    }
}

import Foundation
import IoMTLab
import IoMTTestSupport
import Testing

@Suite struct BLEFixtureReplayTests {
    static var repositoryRoot: URL { RepositoryRoot.url }
    static func fixtures(_ device: BLESimulatedDevice) -> String {
        repositoryRoot.appendingPathComponent("Firmware-Fixtures/" + device.fixtureFolder).path
    }

    @Test func captureHexParsesBytesAndCommentsAndNamesTheFileOnBadInput() throws {
        #expect(try BLEFixtureLoader.parseCaptureHex("02 78 00 # systolic\n50\t00\n", file: "x") == [0x02, 0x78, 0x00, 0x50, 0x00])
        #expect(try BLEFixtureLoader.parseCaptureHex("\n", file: "x") == [])
        #expect(throws: BLEFixtureError.self) { try BLEFixtureLoader.parseCaptureHex("02 7", file: "a/capture.hex") }
        do { _ = try BLEFixtureLoader.parseCaptureHex("02 zz", file: "a/capture.hex") } catch {
            #expect(error.description.contains("a/capture.hex") && error.description.contains("\"zz\""))
        }
    }

    @Test func caseJSONGivesCharacteristicAndRejection() throws {
        let plain = try BLEFixtureLoader.parseCase(Data(#"{"profile":"ble-blood-pressure","characteristic":"2A35"}"#.utf8), file: "c")
        #expect(plain.characteristic == 0x2A35 && !plain.isRejected)
        let rejected = try BLEFixtureLoader.parseCase(Data(#"{"characteristic":"2a5e","rejectedContaining":["PR"]}"#.utf8), file: "c")
        #expect(rejected.characteristic == 0x2A5E && rejected.isRejected)
        do { _ = try BLEFixtureLoader.parseCase(Data(#"{"characteristic":"2A3"}"#.utf8), file: "d/case.json") } catch {
            #expect(error.description.contains("d/case.json") && error.description.contains("\"2A3\""))
        }
        #expect(throws: BLEFixtureError.self) { try BLEFixtureLoader.parseCase(Data(#"{"profile":"x"}"#.utf8), file: "c") }
    }

    @Test func bloodPressureReplaysValidMeasurementsAndCuffPressuresInNameOrder() throws {
        let directory = Self.fixtures(.bloodPressure)
        let cases = try BLEFixtureLoader.load(directory: directory)
        let plan = try BLEReplayPlan.sequences(device: .bloodPressure, cases: cases, fixtureDirectory: directory)
        #expect(Set(plan.keys) == [0x2A35, 0x2A36])
        let measurements = try #require(plan[0x2A35]).cases
        #expect(measurements.allSatisfy { $0.characteristic == 0x2A35 && !$0.isRejected && !$0.value.isEmpty })
        #expect(!measurements.contains { $0.name == "bpm-empty" || $0.name == "bpm-truncated-diastolic" })
        #expect(measurements.map(\.name) == measurements.map(\.name).sorted())
        #expect(measurements.first?.name == "bpm-clock-year-0")
        #expect(measurements.first?.value == [0x02, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0, 0, 0, 0, 0, 0, 0])
        #expect(try #require(plan[0x2A36]).cases.map(\.name) == ["icp-flags-00", "icp-flags-01", "icp-flags-02", "icp-flags-03"])
        // Rejected cases come back on request.
        let withRejected = try BLEReplayPlan.sequences(device: .bloodPressure, cases: cases, includeRejected: true, fixtureDirectory: directory)
        #expect(try #require(withRejected[0x2A35]).cases.contains { $0.name == "bpm-empty" && $0.value.isEmpty })
    }

    @Test func pulseOximeterReplaysSpotCheckAndContinuous() throws {
        let directory = Self.fixtures(.pulseOximeter)
        let plan = try BLEReplayPlan.sequences(device: .pulseOximeter, cases: try BLEFixtureLoader.load(directory: directory),
                                               fixtureDirectory: directory)
        #expect(Set(plan.keys) == [0x2A5E, 0x2A5F])
        #expect(try #require(plan[0x2A5E]).cases.allSatisfy { $0.characteristic == 0x2A5E && !$0.isRejected })
        #expect(try #require(plan[0x2A5F]).cases.first?.value == [0x00, 0x60, 0x00, 0x46, 0x00])
    }

    @Test func sequenceCyclesAndCounts() {
        let a = BLEFixtureCase(name: "a", characteristic: 0x2A35, value: [1], isRejected: false)
        let b = BLEFixtureCase(name: "b", characteristic: 0x2A35, value: [2], isRejected: false)
        var sequence = BLEValueSequence(cases: [a, b])
        #expect([sequence.next(), sequence.next(), sequence.next()].map(\.name) == ["a", "b", "a"])
        #expect(sequence.sentCount == 3 && sequence.position == 1)
    }

    @Test func missingCharacteristicValuesAreAClearError() {
        let only = [BLEFixtureCase(name: "x", characteristic: 0x2A35, value: [0], isRejected: false)]
        do {
            _ = try BLEReplayPlan.sequences(device: .bloodPressure, cases: only, fixtureDirectory: "/f/ble-blood-pressure")
            Issue.record("no error")
        } catch {
            #expect(error.description.contains("/f/ble-blood-pressure") && error.description.contains("\"2A36\""))
        }
        #expect(throws: BLEFixtureError.self) { try BLEFixtureLoader.load(directory: "/nonexistent/fixtures") }
    }
}

import Foundation
import IoMTCore
import IoMTStore
import Testing

/// The serial devices of issue 7 end to end, each process real: simulator on a pty → iomtd → local
/// DOM receiver, and the bundles sent checked by the independent FHIR validator.
@Suite(.serialized) struct SpirometryAndNoninEndToEndTests {
    /// Starts `iomt-lab sim <device> --link <pty symlink> …` for the scenario.
    private func startSimulator(_ lab: GatewayScenario, _ arguments: [String]) throws {
        lab.simulator = try LabHarness.launch("iomt-lab", ["sim"] + arguments.prefix(1) + ["--link", lab.devicePath] + arguments.dropFirst(),
                                              log: lab.directory.appendingPathComponent("simulator.log"))
    }

    /// Three printed reports (grades A, C and B; the third without FEF25-75) reach DOM as 15
    /// observations with their codes, units and grades, and every bundle is valid FHIR.
    @Test func spirometrySessionReachesDOMAsValidFHIR() async throws {
        try await withGatewayScenario("spirometry") { lab in
            try lab.startReceiver()
            try startSimulator(lab, ["spirometer", "--interval", "2"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(profile: "generic-spirometer-text-report")
            try lab.startDaemon()
            let arrived = await LabHarness.waitUntil(seconds: 40) { (await lab.domObservationCount() ?? 0) >= 15 }
            #expect(arrived, "fewer than 15 observations reached DOM\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let (rows, stats) = try await lab.storeSnapshot()
            #expect(stats.backlog == 0)
            #expect(rows.count % 5 == 0, "whole reports only: \(rows.count) rows")

            func values(_ type: MeasurementType) -> [String] { rows.filter { $0.observation.type == type }.map { $0.observation.value?.description ?? "nil" } }
            // The daemon may have opened the pty mid-report; every report read whole is one of the three printed.
            let fev1 = Set(values(.fev1))
            #expect(fev1.isSubset(of: ["3.38", "3.01", "3.29"]) && fev1.count == 3, "\(fev1)")
            #expect(Set(values(.fvc)).isSubset(of: ["4.12", "3.98", "4.05"]))
            #expect(Set(values(.pef)).isSubset(of: ["8.45", "7.90", "8.12"]))
            #expect(Set(values(.fev1FvcRatio)).isSubset(of: ["82.0", "75.6", "81.2"]))
            #expect(Set(values(.fef2575)).isSubset(of: ["3.61", "2.88", "nil"]))
            for row in rows {
                let observation = row.observation
                #expect(observation.unit == observation.type.defaultUnit)
                // Grade C (FEV1 3.01) makes its report questionable; the missing FEF25-75 is not-available.
                let fromGradeC = rows.contains { $0.observation.type == .fev1 && $0.observation.value?.description == "3.01" && $0.observation.rawFrame == observation.rawFrame }
                #expect(observation.status.contains(.questionable) == fromGradeC)
                #expect(observation.status.contains(.notAvailable) == (observation.value == nil))
            }
            // DOM holds the MDC and LOINC codes and UCUM units.
            // Each stored reading once, plus one session panel per report (hasMember, no value: docs/fhir-mapping.md).
            let everything = await lab.domObservations()
            let atDOM = everything.filter { $0["hasMember"] == nil }
            #expect(atDOM.count == rows.count)
            #expect(everything.count - atDOM.count == Set(rows.map(\.observation.rawFrame)).count)
            let codes = Set(atDOM.flatMap { (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } })
            #expect(codes.isSuperset(of: ["152586", "20150-9", "188928", "19868-9", "152584", "19935-6", "188948", "19926-5", "188960", "19927-3"]))
            let units = Set(atDOM.compactMap { ($0["valueQuantity"] as? [String: Any])?["code"] as? String })
            #expect(units == ["L", "L/s", "%"])
            #expect(atDOM.contains { $0["dataAbsentReason"] != nil }, "the missing FEF25-75 is sent with a dataAbsentReason")
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }

    /// The format #8 profile sends the format-select command; the simulated Nonin starts in format
    /// #2, switches on the command, and its readings reach DOM as valid FHIR.
    @Test func noninSwitchedToFormat8ReachesDOM() async throws {
        try await withGatewayScenario("nonin8") { lab in
            try lab.startReceiver()
            try startSimulator(lab, ["nonin", "--format", "2", "--script", "steady"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(profile: "nonin-serial-format8")
            try lab.startDaemon()
            let arrived = await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 8 }
            #expect(arrived, "fewer than 8 observations reached DOM\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let (rows, _) = try await lab.storeSnapshot()
            let spo2 = rows.filter { $0.observation.type == .spo2 }
            let pulse = rows.filter { $0.observation.type == .pulseRateOximetry }
            #expect(spo2.count >= 4 && pulse.count >= 4)
            #expect(spo2.allSatisfy { $0.observation.value == DecimalValue(97) && $0.observation.status.isEmpty },
                    "\(spo2.map { ($0.observation.value?.description ?? "nil", $0.observation.status.sortedNames) })")
            #expect(pulse.allSatisfy { $0.observation.value == DecimalValue(72) })
            // Format #8 frames are 4 bytes; format #2 frames never reached the decoder.
            #expect(rows.allSatisfy { $0.observation.rawFrame.count == 4 })
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }

    /// Format #2 with noise and torn frames: only checksummed, complete packets are reported.
    @Test func noninFormat2WithGarbageReportsOnlyScriptValues() async throws {
        try await withGatewayScenario("nonin2") { lab in
            try lab.startReceiver()
            try startSimulator(lab, ["nonin", "--format", "2", "--script", "steady", "--garbage", "0.02"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(profile: "nonin-serial-format2")
            try lab.startDaemon()
            let arrived = await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 8 }
            #expect(arrived, "fewer than 8 observations reached DOM\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let (rows, _) = try await lab.storeSnapshot()
            let values = rows.compactMap { $0.observation.value }
            #expect(!values.isEmpty && values.allSatisfy { $0 == DecimalValue(97) || $0 == DecimalValue(72) }, "\(values)")
            #expect(rows.allSatisfy { $0.observation.rawFrame.count == 125 }, "a whole 25-frame packet is the raw frame")
        }
    }
}

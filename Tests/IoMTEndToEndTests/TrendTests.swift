import Foundation
import IoMTCore
import IoMTStore
import Testing

/// `iomtctl trend`: the chart a nurse reads, drawn from a real store with the configured thresholds.
@Suite struct TrendTests {
    /// An hour of SpO2 at one reading a minute, 97 % except a dip to 85 % in minutes 30–32.
    func makeLab() async throws -> (URL, String, String, Instant) {
        let directory = try LabHarness.temporaryDirectory("trend")
        let database = directory.appendingPathComponent("iomtd.sqlite").path
        let end = Instant(millisecondsSinceEpoch: 1_763_900_400_000)
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "T-1", portPath: "/dev/ttyUSB0")
        let store = try Store(path: database)
        var observations: [Observation] = []
        for minute in 0..<60 {
            let time = end.adding(milliseconds: Int64(minute - 60) * 60_000)
            let value = (30...32).contains(minute) ? 85 : 97
            observations.append(Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: time, correctedTime: time,
                                            device: device, patientId: "44051401359", rawFrame: [1]))
            observations.append(Observation(type: .pulseRateOximetry, value: DecimalValue(70), unit: "/min", receivedAt: time, correctedTime: time,
                                            device: device, patientId: "44051401359", rawFrame: [1]))
        }
        _ = try await store.append(observations)
        let config = directory.appendingPathComponent("iomtd.json").path
        try """
            {"stateDirectory": "\(directory.path)", "profilesDirectory": "\(LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path)",
             "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "devices": [], "dom": {"baseURL": "http://127.0.0.1:9/fhir"},
             "alerts": {"rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high"}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (directory, database, config, end)
    }

    @Test func chartShowsTheDipAndTheThresholdLine() async throws {
        let (directory, database, config, end) = try await makeLab()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, output) = try await LabHarness.run("iomtctl", ["trend", "spo2", "--db", database, "--config", config, "--since", "1h",
                                                              "--until", end.iso8601, "--width", "80", "--height", "10"])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("MDC_PULS_OXIM_SAT_O2") == true, "\(output)")
        #expect(lines.dropFirst().first?.contains("60 reading(s) in %, min 85, max 97") == true, "\(output)")
        let thresholdLine = lines.first { $0.contains("◀ below 90: spo2-low (high)") }
        #expect(thresholdLine != nil, "the threshold is marked\n\(output)")
        #expect(thresholdLine?.contains("┈") == true, "drawn as a dotted line where no bar covers it")
        // Sized to the requested width: no line wider than 80 columns.
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(lines.map(\.count))")
        // The dip shows as columns much shorter than the rest: the bottom row is full everywhere,
        // the row under the top is not full in the dip's columns.
        let rows = lines.filter { $0.contains("┤") }
        #expect(rows.count == 10)
        let top = rows[1].split(separator: "┤").last.map(String.init) ?? ""
        #expect(top.contains(" ") || top.contains("┈"), "the dip's columns leave a gap near the top\n\(output)")
        #expect(top.contains("█"))
        let axis = lines.last { !$0.isEmpty } ?? ""
        #expect(axis.contains("11:20") && axis.contains("12:20"), "time axis labelled with the window's ends\n\(output)")
    }

    @Test func jsonAndErrors() async throws {
        let (directory, database, config, end) = try await makeLab()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (status, output) = try await LabHarness.run("iomtctl", ["trend", "MDC_PULS_OXIM_PULS_RATE", "--db", database, "--config", config,
                                                              "--since", "2h", "--until", end.iso8601, "--json"])
        #expect(status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect((document?["points"] as? [Any])?.count == 60)
        #expect(document?["unit"] as? String == "/min")
        let (unknown, unknownOutput) = try await LabHarness.run("iomtctl", ["trend", "glucose-ish", "--db", database])
        #expect(unknown == 2)
        #expect(unknownOutput.contains("unknown measurement"))
        let (badSince, badSinceOutput) = try await LabHarness.run("iomtctl", ["trend", "spo2", "--db", database, "--since", "yesterday"])
        #expect(badSince == 2)
        #expect(badSinceOutput.contains("--since"))
        let (none, noneOutput) = try await LabHarness.run("iomtctl", ["trend", "fev1", "--db", database, "--since", "1h", "--until", end.iso8601])
        #expect(none == 0)
        #expect(noneOutput.contains("no MDC_VOL_AWAY_EXP_FORCED_1S readings"))
    }

    @Test func readingsExportAsCSVAndFHIRAndTail() async throws {
        let (directory, database, _, _) = try await makeLab()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (csvStatus, csv) = try await LabHarness.run("iomtctl", ["readings", "export", "--format", "csv", "--db", database])
        #expect(csvStatus == 0, "\(csv)")
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "id,correctedTime,receivedAt,device,code,mdc,loinc,value,unit,status")
        #expect(rows.count == 121)
        #expect(rows.contains { $0.contains(",MDC_PULS_OXIM_SAT_O2,150456,2708-6,85,%,") })
        #expect(!csv.contains("44051401359"), "CSV carries no patient identifier")

        let (fhirStatus, fhir) = try await LabHarness.run("iomtctl", ["readings", "export", "--format", "fhir", "--db", database, "--limit", "4"])
        #expect(fhirStatus == 0, "\(fhir)")
        let resources = fhir.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(resources.count == 4)
        #expect(resources.allSatisfy { $0["resourceType"] as? String == "Observation" && $0["identifier"] != nil })

        let (tailStatus, tail) = try await LabHarness.run("iomtctl", ["readings", "tail", "-n", "3", "--db", database])
        #expect(tailStatus == 0)
        let ids = tail.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? Int }
        #expect(ids == [118, 119, 120], "the last three, oldest first")

        let (badFormat, badFormatOutput) = try await LabHarness.run("iomtctl", ["readings", "export", "--format", "xml", "--db", database])
        #expect(badFormat == 2)
        #expect(badFormatOutput.contains("--format"))
    }

    /// A stored overnight session exports its summary figures and then every sample of its series as a row of its
    /// own, at the sample's time; a no-finger sample keeps its row (empty value, not-available).
    @Test func aNightsSeriesIsExportedSampleBySampleAsCSV() async throws {
        let directory = try LabHarness.temporaryDirectory("night-csv")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("iomtd.sqlite").path
        let start = Instant(millisecondsSinceEpoch: 1_796_250_600_000)  // 2026-12-02T22:30:00Z
        let ring = DeviceIdentity(profileId: "viatom-o2ring", manufacturer: "Viatom", model: "O2Ring", bluetoothAddress: "c8:f0:9e:11:22:33")
        let night = Observation(type: OvernightOximetry.session, value: nil, unit: "",
                                components: [ObservationComponent(type: OvernightOximetry.Figure.recordingTime.type, value: DecimalValue(12), unit: "s")],
                                receivedAt: start.adding(milliseconds: 9 * 3_600_000), correctedTime: start, device: ring, patientId: "44051401359",
                                rawFrame: [3], series: [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100),
                                                      samples: [95, nil, 89]),
                                         SampleSeries(type: .pulseRateOximetry, periodMilliseconds: 4000, lowerLimit: nil, upperLimit: nil, samples: [60, nil, 71])])
        _ = try await Store(path: database).append([night])
        let (status, csv) = try await LabHarness.run("iomtctl", ["readings", "export", "--format", "csv", "--db", database])
        #expect(status == 0, "\(csv)")
        let rows = csv.split(separator: "\n").map(String.init)
        #expect(rows.contains("1,2026-12-02T22:30:00.000Z,2026-12-03T07:30:00.000Z,bt:C8:F0:9E:11:22:33,urn:iomtd:oximetry#recording-time,,,12,s,"), "\(csv)")
        #expect(rows.count == 1 + 1 + 6, "header, the figure, 3 SpO2 and 3 pulse samples\n\(csv)")
        #expect(rows.contains("1,2026-12-02T22:30:00.000Z,2026-12-03T07:30:00.000Z,bt:C8:F0:9E:11:22:33,MDC_PULS_OXIM_SAT_O2,150456,2708-6,95,%,"), "\(csv)")
        #expect(rows.contains("1,2026-12-02T22:30:04.000Z,2026-12-03T07:30:00.000Z,bt:C8:F0:9E:11:22:33,MDC_PULS_OXIM_SAT_O2,150456,2708-6,,%,not-available"), "\(csv)")
        #expect(rows.contains { $0.hasPrefix("1,2026-12-02T22:30:08.000Z,") && $0.contains(",MDC_PULS_OXIM_PULS_RATE,149530,8867-4,71,/min,") }, "\(csv)")
        #expect(!csv.contains("44051401359"), "CSV carries no patient identifier")
    }
}

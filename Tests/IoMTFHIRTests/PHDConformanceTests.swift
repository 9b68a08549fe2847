import Foundation
import IoMTCore
import IoMTTestSupport
import Testing
@testable import IoMTFHIR

/// Our bundles against the HL7 PHD IG v1.1.0 profiles as the IG's own FSH sources define them
/// (Tests/Conformance/phd-ig-1.1.0, read by scripts/phd_conformance.py), not against our reading of the IG.
@Suite struct PHDConformanceTests {
    static let examples = RepositoryRoot.path("Tests/Conformance/phd-ig-1.1.0/examples")

    /// Every kind of resource we emit: PHG; PHDs with an EUI-64, with only a Bluetooth address, with only a USB serial
    /// number, with only a port; numeric, compound (with an alert interpretation), data-absent, status-flagged,
    /// summary and coincident-time-stamp observations.
    static func everyKindOfInput() -> [BundleInput] {
        var mixedUnits = Fixtures.bloodPressure()
        mixedUnits.components[2] = ObservationComponent(type: .meanArterial, value: nil, unit: "kPa", status: [.invalid])
        let portOnly = DeviceIdentity(profileId: "nonin-2", manufacturer: "Nonin", model: "7500", portPath: "/dev/ttyS0")
        var portReading = Fixtures.spo2(DecimalValue(96))
        portReading.device = portOnly
        var clockRead = Fixtures.temperature()
        clockRead.type = CoincidentTimeStamp.type
        clockRead.unit = "ms"
        clockRead.value = DecimalValue(significand: -1500, exponent: 0)
        clockRead.deviceTime = nil
        var weight = Fixtures.temperature("72.4")
        weight.type = .bodyWeight
        weight.unit = "kg"
        return Fixtures.sampleInputs() + [
            BundleInput(storeId: 7, observation: Fixtures.spo2(DecimalValue(90), status: [.measurementOngoing])),
            BundleInput(storeId: 8, observation: Fixtures.spo2(DecimalValue(91), status: [.earlyIndication, .calibrationOngoing]),
                        interpretation: "L"),
            BundleInput(storeId: 9, observation: mixedUnits),
            BundleInput(storeId: 10, observation: Fixtures.spo2(DecimalValue(significand: 935, exponent: -1), status: [.compactedSummary]),
                        summary: ReadingSummary(count: 60, minimum: DecimalValue(88), maximum: DecimalValue(97),
                                                periodEnd: Fixtures.received.adding(milliseconds: 60_000))),
            BundleInput(storeId: 11, observation: portReading),
            BundleInput(storeId: 12, observation: clockRead),
            BundleInput(storeId: 13, observation: weight),
        ]
    }

    static func write(_ bundles: [String], in directory: TemporaryDirectory) throws -> [String] {
        try bundles.enumerated().map { index, text in
            let path = directory.url.appendingPathComponent("bundle-\(index).json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    @Test func ourBundlesConformToThePHDIGProfiles() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let inputs = Self.everyKindOfInput()
        let directory = TemporaryDirectory("iomt-phd-conformance")
        let files = try Self.write([builder.transactionBundle(for: inputs).serialized()]
                                   + inputs.map { builder.transactionBundle(for: [$0]).serialized() }, in: directory)
        let (status, output) = try await FHIRValidation.conformance(files)
        #expect(status == 0, "PHD IG profile violations:\n\(output)")
        #expect(output.contains("CONFORMANT"))
    }

    /// The checker itself: the IG's own examples of the profiles we emit (copied from the same tag) conform.
    @Test func theIGsOwnExamplesConform() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples).filter { $0.hasSuffix(".json") }.sorted()
            .map { Self.examples + "/" + $0 }
        #expect(files.count == 11)
        let (status, output) = try await FHIRValidation.conformance(files)
        #expect(status == 0, "\(output)")
        #expect(output.contains("CONFORMANT 11 resources in 11 bundles"))
    }

    /// docs/fhir-mapping.md's example bundle is what the builder writes and conforms, so the documentation cannot drift.
    @Test func theDocumentedExampleBundleIsCurrentAndConforms() async throws {
        let document = try String(contentsOfFile: RepositoryRoot.path("docs/fhir-mapping.md"), encoding: .utf8)
        let section = try #require(document.range(of: "## Example bundle"))
        let start = try #require(document.range(of: "```json\n", range: section.upperBound..<document.endIndex))
        let end = try #require(document.range(of: "```", range: start.upperBound..<document.endIndex))
        let example = String(document[start.upperBound..<end.lowerBound])
        let built = PHDBundleBuilder(gateway: Fixtures.gateway)
            .transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.temperature()),
                                     BundleInput(storeId: 3, observation: Fixtures.bloodPressure())]).serialized()
        let compact = example.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            .replacingOccurrences(of: "\": ", with: "\":")
        #expect(compact == built, "regenerate the example in docs/fhir-mapping.md from PHDBundleBuilder")
        let directory = TemporaryDirectory("iomt-phd-conformance")
        let files = try Self.write([example], in: directory)
        let (status, output) = try await FHIRValidation.conformance(files)
        #expect(status == 0, "\(output)")
    }

    /// Each broken copy of a conformant bundle is refused, naming file, entry, resource, profile, path, rule and the
    /// FSH line the rule comes from.
    @Test func violationsAreReportedWithFileResourcePathAndRule() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let good = builder.transactionBundle(for: Fixtures.sampleInputs())
        var entries = good["entry"]!.arrayValue!
        func edit(_ index: Int, _ change: (inout [(String, JSONValue)]) -> Void) -> JSONValue {
            var copy = entries
            guard case .object(var resource) = copy[index]["resource"]!, case .object(var entry) = copy[index] else { fatalError() }
            change(&resource)
            entry = entry.map { $0.0 == "resource" ? ("resource", .object(resource)) : $0 }
            copy[index] = .object(entry)
            return .object([("resourceType", .string("Bundle")), ("type", .string("transaction")), ("entry", .array(copy))])
        }
        func replacing(_ key: String, with value: JSONValue?) -> (inout [(String, JSONValue)]) -> Void {
            { members in members = members.compactMap { $0.0 == key ? value.map { (key, $0) } : $0 } }
        }
        let cuffIndex = 3, temperatureIndex = 4, bloodPressureIndex = 6
        #expect(entries[cuffIndex]["resource"]?["identifier"]?[0]?["type"]?["coding"]?[0]?["code"]?.stringValue == "SYSID")
        let wrongSystemIdSystem = JSONValue.array([.object([
            ("type", JSONBuild.concept([JSONBuild.coding("http://hl7.org/fhir/uv/phd/CodeSystem/ContinuaDeviceIdentifiers", "SYSID")])),
            ("system", .string("urn:oid:1.2.3")), ("value", .string("74-E8-FF-FE-FF-05-1C-00")),
        ])])
        let cases: [(String, JSONValue, String)] = [
            ("no-device-type", edit(cuffIndex, replacing("type", with: nil)),
             "entry[3] Device (PhdDevice) Device.type: min cardinality 1, found 0 [StructureDefinition.PhdDevice.fsh:87]"),
            ("fixed-system-broken", edit(cuffIndex, replacing("identifier", with: wrongSystemIdSystem)),
             "entry[3] Device (PhdDevice) Device.identifier[systemIdIdentifier].system: fixed value \"urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680\", found \"urn:oid:1.2.3\" [StructureDefinition.PhdDevice.fsh:39]"),
            ("no-specialization", edit(cuffIndex, replacing("specialization", with: nil)),
             "Device.specialization: min cardinality 1, found 0 [StructureDefinition.PhdDevice.fsh:105]"),
            ("no-subject-reference", edit(temperatureIndex, replacing("subject", with: .object([("display", .string("x"))]))),
             "entry[4] Observation (PhdNumericObservation) Observation.subject.reference: min cardinality 1, found 0 [StructureDefinition.PhdBaseObservation.fsh:86]"),
            ("old-category-code", edit(temperatureIndex, replacing("category", with: .array([
                JSONBuild.concept([JSONBuild.coding(FHIRSystem.phdObservationCategory, "phd")])]))),
             "Observation.category[PHD-Observation]: min cardinality 1, found 0 [StructureDefinition.PhdBaseObservation.fsh:35]"),
            ("no-device-on-compound", edit(bloodPressureIndex, replacing("device", with: nil)),
             "entry[6] Observation (PhdCompoundNumericObservation) Observation.device: min cardinality 1, found 0"),
            ("ucum-broken", edit(temperatureIndex, replacing("valueQuantity", with: .object([
                ("value", .string("36.5")), ("system", .string("urn:x")), ("code", .string("Cel"))]))),
             "Observation.value[x].system: fixed value \"http://unitsofmeasure.org\", found \"urn:x\" [StructureDefinition.PhdNumericObservation.fsh:"),
            ("interpretation-without-measurement-status", edit(bloodPressureIndex, replacing("interpretation", with: .array([
                JSONBuild.concept([JSONBuild.coding(FHIRSystem.interpretation, "H")])]))),
             "Observation.interpretation.coding[MsmtStatusInterpretation]: min cardinality 1, found 0 [StructureDefinition.PhdBaseObservation.fsh:"),
        ]
        entries = good["entry"]!.arrayValue!
        let directory = TemporaryDirectory("iomt-phd-conformance")
        for (name, bundle, expected) in cases {
            let path = directory.url.appendingPathComponent("\(name).json").path
            try bundle.serialized().write(toFile: path, atomically: true, encoding: .utf8)
            let (status, output) = try await FHIRValidation.conformance([path])
            #expect(status == 1, "\(name): the check accepted a broken bundle: \(output)")
            #expect(output.contains("NONCONFORMANT \(path) "), "\(name): \(output)")
            #expect(output.contains(expected), "\(name): expected \(expected)\n\(output)")
        }
    }

    /// A rule the checker does not evaluate (here an invariant) stops it with exit 2 instead of passing silently.
    @Test func unsupportedFSHIsRefusedNotIgnored() async throws {
        let directory = TemporaryDirectory("iomt-phd-conformance")
        let sources = RepositoryRoot.path("Tests/Conformance/phd-ig-1.1.0")
        for name in try FileManager.default.contentsOfDirectory(atPath: sources) where name.hasSuffix(".fsh") {
            var text = try String(contentsOfFile: sources + "/" + name, encoding: .utf8)
            if name == "StructureDefinition.PhdDevice.fsh" { text += "\n* identifier obeys phd-inv-1\n" }
            try text.write(toFile: directory.path + "/" + name, atomically: true, encoding: .utf8)
        }
        let (status, output) = try await FHIRValidation.conformance(["--profiles", directory.path, Self.examples + "/coin-example-1.json"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("UNUSABLE profile sources") && output.contains("obeys"), "\(output)")
    }

    /// PHD IG PhdDevice/PhgDevice "System Identifier": 8 hex bytes separated by dashes; a PHD without one gets all zeros
    /// and its Bluetooth address beside it, and is conditionally created on that address, never on the zeros.
    @Test func systemIdsAreDashSeparatedAndZeroWhenAbsent() {
        let entries = PHDBundleBuilder(gateway: Fixtures.gateway).transactionBundle(for: Fixtures.sampleInputs())["entry"]?.arrayValue ?? []
        #expect(entries[0]["resource"]?["identifier"]?[0]?["value"]?.stringValue == "FE-ED-AB-EE-DE-AD-BE-EF")
        #expect(entries[0]["request"]?["ifNoneExist"]?.stringValue == "identifier=urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|FE-ED-AB-EE-DE-AD-BE-EF")
        let ble = entries[1]["resource"]!
        #expect(ble["identifier"]?[0]?["value"]?.stringValue == "00-00-00-00-00-00-00-00")
        #expect(ble["identifier"]?[1]?["value"]?.stringValue == "A4-C1-38-0D-5E-E0")
        #expect(entries[1]["request"]?["ifNoneExist"]?.stringValue == "identifier=http://hl7.org/fhir/sid/eui-48/bluetooth|A4-C1-38-0D-5E-E0")
        let usb = entries[2]["resource"]!
        #expect(usb["identifier"]?[0]?["value"]?.stringValue == "00-00-00-00-00-00-00-00")
        #expect(usb["identifier"]?[1]?["value"]?.stringValue == "SN123")
        #expect(entries[2]["request"]?["ifNoneExist"]?.stringValue == "identifier=urn:iomtd:device-serial:contec-cms50d-plus|SN123")
        #expect(entries[3]["resource"]?["identifier"]?[0]?["value"]?.stringValue == "74-E8-FF-FE-FF-05-1C-00")
        #expect(entries[3]["resource"]?["specialization"]?[0]?["systemType"]?["coding"]?[0]?["code"]?.stringValue == "528391")
        #expect(entries[1]["resource"]?["specialization"]?[0]?["systemType"]?["coding"]?[0]?["code"]?.stringValue == "528392")
        #expect(entries[2]["resource"]?["specialization"]?[0]?["systemType"]?["coding"]?[0]?["code"]?.stringValue == "528388")
        // The conditional-create Observation identifier keeps the undashed EUI-64 (pinned: docs/fhir-mapping.md).
        #expect(PHDObservationIdentifier.value(for: Fixtures.bloodPressure()).hasPrefix("74E8FFFEFF051C00-"))
    }
}

import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// One generic test over every fixture case folder (`Firmware-Fixtures/<driver>/<case>/`): a device
/// quirk is a new folder, not new test code.
struct FixtureCase: CustomStringConvertible, Sendable {
    let folder: URL
    var description: String { folder.deletingLastPathComponent().lastPathComponent + "/" + folder.lastPathComponent }

    static func all() -> [FixtureCase] {
        let manager = FileManager.default
        var cases: [FixtureCase] = []
        let drivers = (try? manager.contentsOfDirectory(atPath: Repository.fixturesDirectory.path)) ?? []
        for driver in drivers.sorted() {
            let driverFolder = Repository.fixturesDirectory.appendingPathComponent(driver)
            for name in ((try? manager.contentsOfDirectory(atPath: driverFolder.path)) ?? []).sorted() {
                let folder = driverFolder.appendingPathComponent(name)
                if manager.fileExists(atPath: folder.appendingPathComponent("case.json").path) { cases.append(FixtureCase(folder: folder)) }
            }
        }
        return cases
    }

    func text(_ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    func capture() throws -> [UInt8] { try Hex.bytes(from: try text("capture.hex")) }

    /// A capture case (`iomtctl capture`) names its transcript: it is decoded on its recorded timeline.
    var timeline: String? { (try? JSONValue.parse(try text("case.json")))?["timeline"]?.stringValue }

    /// Decodes a capture case as `iomtctl replay` does: the profile(s)' reader over the transcript on its own timeline.
    func timelineOutput(_ file: String) throws -> DeviceOutput {
        let caseInfo = try JSONValue.parse(try text("case.json"))
        let first = try #require(caseInfo["profile"]?.stringValue, "case.json needs a \"profile\" string")
        let ids = caseInfo["profiles"]?.arrayValue?.compactMap(\.stringValue) ?? [first]
        let catalog = try Repository.catalog()
        let profiles = try ids.map { id in try #require(catalog.profile(id: id), "no profile \(id) in DeviceProfiles/") }
        var reader = try DriverRegistry.makeReader(for: profiles)
        let transcript = try CaptureTranscript.parse(try text(file))
        var output = DeviceOutput()
        for step in reader.replay(transcript, from: transcript.start) { output.append(step.output) }
        return output
    }

    /// Bluetooth cases name the GATT characteristic their capture is one value of.
    var isGATT: Bool {
        guard let info = try? JSONValue.parse(try text("case.json")) else { return false }
        return info["characteristic"] != nil
    }

    /// Decodes a Bluetooth case as `iomtctl decode` does, through the profile's reader between a link up and a link
    /// down: the `before` values (e.g. a Temperature Type read), then the capture. Only the capture's output counts.
    func gattOutput() throws -> DeviceOutput {
        let caseInfo = try JSONValue.parse(try text("case.json"))
        let profileId = try #require(caseInfo["profile"]?.stringValue, "case.json needs a \"profile\" string")
        let profile = try #require(try Repository.catalog().profile(id: profileId), "no profile \(profileId) in DeviceProfiles/")
        var reader = try DriverRegistry.makeReader(for: profile)
        _ = reader.handle(.linkUp, at: .testStart)
        for item in caseInfo["before"]?.arrayValue ?? [] {
            let uuid = try #require(item["characteristic"]?.stringValue.flatMap(BluetoothUUID.init(parsing:)), "before[].characteristic")
            _ = reader.handle(.value(characteristic: uuid, bytes: try Hex.bytes(from: item["hex"]?.stringValue ?? "")), at: .testStart)
        }
        let uuid = try #require(caseInfo["characteristic"]?.stringValue.flatMap(BluetoothUUID.init(parsing:)), "case.json characteristic")
        var output = reader.handle(.value(characteristic: uuid, bytes: try capture()), at: .testStart)
        output.append(reader.handle(.linkDown, at: .testStart))
        return output
    }

    /// Stored-record cases (`"record": true`) are one record as read from a device's memory (`iomtctl decode --record`).
    var isRecord: Bool {
        guard let info = try? JSONValue.parse(try text("case.json")) else { return false }
        return info["record"]?.boolValue == true
    }

    /// Decodes a stored-record case as `iomtctl decode --record` does: the user and slot with the observations, or the
    /// reason the record was refused.
    func recordOutput() throws -> (document: JSONValue, rejection: String?) {
        let caseInfo = try JSONValue.parse(try text("case.json"))
        let profileId = try #require(caseInfo["profile"]?.stringValue, "case.json needs a \"profile\" string")
        let profile = try #require(try Repository.catalog().profile(id: profileId), "no profile \(profileId) in DeviceProfiles/")
        let decoder = try #require(try DriverRegistry.makeReader(for: profile) as? any StoredRecordDecoding, "\(profileId) has no record layout")
        let address = caseInfo["address"]?.stringValue.flatMap { UInt16($0.dropFirst(2), radix: 16) }
        let bytes = try capture()
        do throws(StoredRecordError) {
            let record = try decoder.decodeStoredRecord(bytes, user: caseInfo["user"]?.intValue, address: address)
            return (.object([("user", .number(String(record.user))), ("slot", record.slot.map { .number(String($0)) } ?? .null),
                             ("observations", .array(record.measurements.map(\.contractJSON)))]), nil)
        } catch {
            return (.object([("observations", .array([]))]), error.description)
        }
    }

    func session() throws -> any ByteStreamDriver {
        let caseInfo = try JSONValue.parse(try text("case.json"))
        let profileId = try #require(caseInfo["profile"]?.stringValue, "case.json needs a \"profile\" string")
        let profile = try #require(try Repository.catalog().profile(id: profileId), "no profile \(profileId) in DeviceProfiles/")
        return try DriverRegistry.makeSession(for: profile)
    }
}

@Suite struct FixtureCasesTests {
    @Test func fixtureFoldersExist() {
        #expect(FixtureCase.all().count >= 15)
    }

    @Test(arguments: FixtureCase.all())
    func caseMatchesExpectedJSON(_ fixture: FixtureCase) throws {
        try Self.check(fixture)
    }

    /// What every case folder must pass (also run on the folders `iomtctl capture` writes, CaptureCaseTests).
    static func check(_ fixture: FixtureCase) throws {
        if let timeline = fixture.timeline {
            let output = try fixture.timelineOutput(timeline)
            let actual = JSONValue.object([("observations", .array(output.measurements.map(\.contractJSON)))])
            #expect(actual == (try JSONValue.parse(try fixture.text("expected.json"))), "\(fixture): got \(actual.prettyPrinted())")
            return
        }
        if fixture.isRecord { return try recordCaseMatchesExpectedJSON(fixture) }
        if fixture.isGATT { return try gattCaseMatchesExpectedJSON(fixture) }
        var session = try fixture.session()
        let output = decodeAtOnce(try fixture.capture(), session: &session)
        let actual = JSONValue.object([("observations", .array(output.measurements.map(\.contractJSON)))])
        let expected = try JSONValue.parse(try fixture.text("expected.json"))
        #expect(actual == expected, "\(fixture): got \(actual.prettyPrinted())")
    }

    /// Feeding a capture byte by byte, or in odd chunks, gives exactly the all-at-once output.
    @Test(arguments: FixtureCase.all())
    func chunkingDoesNotChangeOutput(_ fixture: FixtureCase) throws {
        try Self.checkChunking(fixture)
    }

    static func checkChunking(_ fixture: FixtureCase) throws {
        guard !fixture.isGATT, !fixture.isRecord else { return }  // a GATT value (or a memory record) arrives whole (one ATT PDU), never chunked
        let bytes = try fixture.capture()
        var whole = try fixture.session()
        let reference = decodeAtOnce(bytes, session: &whole).measurements
        for sizes in [[1], [2, 7, 3], [9, 5, 13, 1, 64]] {
            var chunked = try fixture.session()
            #expect(decodeAtOnce(bytes, session: &chunked, chunkSizes: sizes).measurements == reference, "chunks \(sizes)")
        }
    }

    /// Stored-record cases: user, slot and observations match; a refused record names its reason.
    private static func recordCaseMatchesExpectedJSON(_ fixture: FixtureCase) throws {
        let (actual, rejection) = try fixture.recordOutput()
        let expected = try JSONValue.parse(try fixture.text("expected.json"))
        let wanted = (try JSONValue.parse(try fixture.text("case.json"))["rejectedContaining"]?.arrayValue ?? []).compactMap(\.stringValue)
        if wanted.isEmpty {
            #expect(rejection == nil, "\(fixture): unexpected rejection \(rejection ?? "")")
            #expect(actual == expected, "\(fixture): got \(actual.prettyPrinted())")
        } else {
            #expect(expected["observations"]?.arrayValue?.isEmpty == true, "\(fixture): a refused record expects no observations")
            for part in wanted { #expect(rejection?.contains(part) == true, "\(fixture): rejection \(rejection ?? "none") should name \(part)") }
        }
    }

    /// GATT cases: the observations match, and a value the spec layout cannot hold is rejected with a
    /// reason naming the field (never a crash, never a partial reading).
    private static func gattCaseMatchesExpectedJSON(_ fixture: FixtureCase) throws {
        let output = try fixture.gattOutput()
        let actual = JSONValue.object([("observations", .array(output.measurements.map(\.contractJSON)))])
        let expected = try JSONValue.parse(try fixture.text("expected.json"))
        #expect(actual == expected, "\(fixture): got \(actual.prettyPrinted())")
        let reasons = output.events.compactMap { event -> String? in
            if case let .rejectedFrame(reason) = event { return reason }
            return nil
        }
        let wanted = (try JSONValue.parse(try fixture.text("case.json"))["rejectedContaining"]?.arrayValue ?? []).compactMap(\.stringValue)
        if wanted.isEmpty {
            #expect(reasons.isEmpty, "\(fixture): unexpected rejection \(reasons)")
        } else {
            #expect(reasons.count == 1, "\(fixture): expected one rejection, got \(reasons)")
            for part in wanted { #expect(reasons.first?.contains(part) == true, "\(fixture): rejection \(reasons) should name \(part)") }
        }
    }
}

import Foundation
import IoMTDrivers
import IoMTProfiles
import IoMTLab
import Testing

/// Replays every input libFuzzer saved under `Firmware-Fixtures/fuzz-crashes/<target>/` (see
/// scripts/fuzz.sh): once fixed, a finding stays a test. Also replays the fixture captures and a few
/// hostile inputs through the same checks the fuzz targets run.
@Suite struct FuzzCrashRegressionTests {
    static func inputs(target: String) -> [[UInt8]] {
        let folder = Repository.fixturesDirectory.appendingPathComponent("fuzz-crashes/\(target)")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.compactMap { try? Array(Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    static let hostileStreams: [[UInt8]] = [
        [], [0x80], [0x01], Array(repeating: 0xFF, count: 64), Array(repeating: 0x00, count: 64),
        [0x80, 0x00, 0x00, 0x00, 0x00], [0x01] + Array(repeating: 0x80, count: 8), [0xFF, 0x7F, 0x7F, 0x7F, 0x7F],
        Array((0...255).map { UInt8($0) }),
    ]

    @Test func legacyFramerFindingsStayFixed() {
        for input in Self.inputs(target: "CMS50LegacyFramer") + Self.hostileStreams {
            #expect(CMS50Invariants.violation(in: input, generation: .legacy) == nil, "input \(input.prefix(32))")
        }
    }

    @Test func v46FramerFindingsStayFixed() {
        for input in Self.inputs(target: "CMS50V46Framer") + Self.hostileStreams {
            #expect(CMS50Invariants.violation(in: input, generation: .v46) == nil, "input \(input.prefix(32))")
        }
    }

    /// The v4.6 target's second half: the stored-data path over its findings, hostile streams and a whole sync's answers
    /// (the lab's encoder), also with packages of the PI kind (0x09) and a length that disagrees with the data.
    @Test func storedDataPathFindingsStayFixed() {
        let night = CMS50StoredSegment.labNight(count: 100)
        let parts: [[UInt8]] = [CMS50Frame.answer(.free, []), CMS50Frame.answer(.segmentAmount, [0, 1]),
                                CMS50Frame.dataLength(user: 0, segment: 0, samples: 100), CMS50Frame.startTime(user: 0, segment: 0, night.start)]
        let answers: [UInt8] = Array(parts.joined())
        let data = Array(CMS50Frame.storedData(night.samples).joined())
        let withPI: [UInt8] = (0..<40).flatMap { (index: Int) -> [UInt8] in
            CMS50Frame.v46Packet(type: 0x09, payload: [UInt8(80 + index % 30), UInt8(40 + index * 5), 0x10, 0x01])
        }
        let syncs: [[UInt8]] = [answers + data, answers + withPI, answers + data + data, answers + Array(data.prefix(50)), [0x07] + answers + data]
        let streams: [[UInt8]] = Self.inputs(target: "CMS50V46Framer") + Self.hostileStreams + syncs
        for input in streams {
            #expect(CMS50StoredDataInvariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
    }

    /// The vendor live oximeters: saved findings, hostile streams and every fixture notification repeated, in several
    /// notification sizes and spacings (the control byte the fuzz targets read).
    @Test func liveOximeterFindingsStayFixed() throws {
        let readers: [(String, String, ([UInt8]) -> String?)] = [
            ("LepuPC60FW", "lepu-pc60fw", { LiveOximetryInvariants.violation(in: $0, decoder: LepuPC60FWStream.self) }),
            ("JumperJPD500F", "jumper-jpd500f", { LiveOximetryInvariants.violation(in: $0, decoder: JumperJPD500FStream.self) }),
            ("Nonin3230", "nonin-3230", { LiveOximetryInvariants.violation(in: $0, decoder: Nonin3230Stream.self) }),
        ]
        for (target, folder, violation) in readers {
            let cases = FixtureCase.all().filter { $0.folder.deletingLastPathComponent().lastPathComponent == folder }
            #expect(cases.count >= 6, "\(folder)")
            let captures = try cases.map { try $0.capture() }
            for control: UInt8 in [0x00, 0x03, 0x09, 0x1F, 0xE3, 0xFF] {
                for input in Self.inputs(target: target) + Self.hostileStreams + captures.map({ Array(repeating: $0, count: 8).flatMap { $0 } }) {
                    #expect(violation([control] + input) == nil, "\(target) control \(control) input \(input.prefix(32))")
                }
            }
        }
    }

    @Test(arguments: FixtureCase.all())
    func fixtureCapturesKeepTheInvariants(_ fixture: FixtureCase) throws {
        let bytes = try fixture.capture()
        #expect(CMS50Invariants.violation(in: bytes, generation: .legacy) == nil)
        #expect(CMS50Invariants.violation(in: bytes, generation: .v46) == nil)
    }

    @Test func profileParserFindingsStayFixed() {
        let loader = ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
        let deep = Array(String(repeating: "[", count: 10_000).utf8)
        for input in Self.inputs(target: "ProfileParser") + [deep, [0xFF, 0xFE], Array("{\"id\":\"\\ud800\"}".utf8)] {
            do {
                _ = try loader.parse(bytes: input, sourcePath: "fuzz.json")
            } catch {
                #expect(!error.issues.isEmpty)
                #expect(error.issues.allSatisfy { $0.file == "fuzz.json" })
            }
        }
    }
}

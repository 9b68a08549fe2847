import Foundation
import IoMTDrivers
import IoMTProfiles
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

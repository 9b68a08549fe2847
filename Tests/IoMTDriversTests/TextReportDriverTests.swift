import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

@Suite struct TextReportDriverTests {
    static let report = Array("""
        SPIROMETRY REPORT\r
        FVC      : 4.12 L\r
        FEV1     : 3.38 L\r
        FEV1/FVC : 82.0 %\r
        PEF      : 8.45 L/s\r
        FEF25-75 : --- \r
        QUALITY  : F\r
        END OF REPORT\r

        """.utf8)

    func session(_ options: [String: JSONValue]) throws -> any ByteStreamDriver {
        try DriverRegistry.makeSession(for: profile(driver: TextReportRegistration.driverId, options: options))
    }

    @Test func theShippedProfileDecodesAReportOnlyAtItsEndMarker() throws {
        let spirometer = try #require(try Repository.catalog().profile(id: "generic-spirometer-text-report"))
        var session = try DriverRegistry.makeSession(for: spirometer)
        let endMarker = Self.report.count - "END OF REPORT\r\n".utf8.count
        let before = session.ingest(Array(Self.report[..<endMarker]), at: .test(0))
        #expect(before.measurements.isEmpty)
        let after = session.ingest(Array(Self.report[endMarker...]), at: .test(10))
        #expect(after.measurements.map(\.type) == [.fvc, .fev1, .fev1FvcRatio, .pef, .fef2575])
        #expect(after.measurements.map { $0.value?.description } == ["4.12", "3.38", "82.0", "8.45", nil])
        #expect(after.measurements.allSatisfy { $0.status.contains(.invalid) })
        #expect(after.measurements.last?.status == [.invalid, .notAvailable])
        // The report is complete at the end line's CR; its LF belongs to the (empty) next line.
        #expect(after.measurements.first?.rawFrame == Array(Self.report.dropLast()))
    }

    /// The template is a generic fallback, not a device, and its grades are the ATS/ERS 2019 ones (Graham et al. 2019;
    /// the 2005 standard the template used to cite has no A-F session grades).
    @Test func theShippedTemplateIsAGenericFallbackGradedByATSERS2019() throws {
        let spirometer = try #require(try Repository.catalog().profile(id: "generic-spirometer-text-report"))
        #expect(spirometer.model.hasPrefix("Generic fallback, not a device model"))
        let text = try String(contentsOfFile: Repository.profilesDirectory + "/generic-spirometer-text-report.json", encoding: .utf8)
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("Sources/IoMTDrivers/SpirometryText/README.md"), encoding: .utf8)
        for document in [text, readme] {
            #expect(document.contains("ATS/ERS 2019") && document.contains("Graham") && !document.contains("follow the ATS/ERS 2005"))
        }
        #expect(!readme.contains("maps the ATS/ERS 2005") && readme.contains("generic fallback, not a supported device"))
        // U (usable, not acceptable) is listed explicitly as questionable; F stays invalid.
        var session = try DriverRegistry.makeSession(for: spirometer)
        let graded = String(decoding: Self.report, as: UTF8.self).replacingOccurrences(of: "QUALITY  : F", with: "QUALITY  : U")
        let values = session.ingest(Array(graded.utf8), at: .test(0)).measurements
        #expect(!values.isEmpty && values.allSatisfy { $0.status.contains(.questionable) && !$0.status.contains(.invalid) })
    }

    @Test func lineFramerIsChunkingInvariantAndKeepsEveryByte() {
        let stream = [0xFF, 0x00] + Self.report + Array(repeating: 0x41, count: 300) + [0x0A] + Self.report
        var whole = TextLineFramer(maxLength: 120)
        let reference = whole.push(stream)
        #expect(reference.reduce(0) { $0 + $1.raw.count } + whole.pendingByteCount == stream.count)
        #expect(reference.filter(\.isCorrupt).allSatisfy { $0.raw.count <= 122 }, "an over-long line is cut, not buffered")
        for size in [1, 3, 16, 200] {
            var framer = TextLineFramer(maxLength: 120)
            var lines: [TextLineFramer.Line] = []
            var index = 0
            while index < stream.count { lines += framer.push(Array(stream[index..<min(stream.count, index + size)])); index += size }
            #expect(lines == reference, "chunk size \(size)")
        }
        #expect(TextReportInvariants.violation(in: stream) == nil)
    }

    @Test func aTornReportIsDroppedWholeWithAnEvent() throws {
        let options: [String: JSONValue] = [
            "reportStart": .string("SPIROMETRY REPORT"), "reportEnd": .string("END OF REPORT"),
            "fields": .array([.object([("label", .string("FEV1")), ("type", .string("MDC_VOL_AWAY_EXP_FORCED_1S"))])]),
        ]
        var session = try session(options)
        let torn = Array("SPIROMETRY REPORT\nFEV1: 2.50\n".utf8)
        let output = session.ingest(torn + Array("SPIROMETRY REPORT\nFEV1: 3.10 L\nEND OF REPORT\n".utf8), at: .test(0))
        #expect(output.measurements.map { $0.value?.description } == ["3.10"])
        #expect(output.events.contains(.rejectedFrame(reason: "report without end marker (a new report started)")))
    }

    @Test func optionErrorsNameTheFieldAndWhatWasFound() {
        #expect(throws: DriverConfigurationError(profileId: "test-serial-text-report", field: "driverOptions.fields[0].type",
                                                 expected: "an MDC reference id the gateway knows (e.g. \"MDC_VOL_AWAY_EXP_FORCED_1S\")",
                                                 found: "\"MDC_FLOW_AWAY_EXP_FORCED_1S\"")) {
            try session(["reportEnd": .string("END"),
                         "fields": .array([.object([("label", .string("FEV1")), ("type", .string("MDC_FLOW_AWAY_EXP_FORCED_1S"))])])])
        }
        #expect(throws: DriverConfigurationError.self) { try session(["fields": .array([])]) }
        #expect(throws: DriverConfigurationError.self) {
            try session(["reportEnd": .string("END"), "qualityGrades": .object([("A", .array([.string("excellent")]))]),
                         "fields": .array([.object([("label", .string("PEF")), ("type", .string("MDC_FLOW_AWAY_EXP_FORCED_PEAK"))])])])
        }
    }

    @Test func fuzzFindingsStayFixed() {
        for input in FuzzCrashRegressionTests.inputs(target: "TextReportFramer") + [[], [0x0D], Array(repeating: 0x0A, count: 10), Self.report] {
            #expect(TextReportInvariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
    }
}

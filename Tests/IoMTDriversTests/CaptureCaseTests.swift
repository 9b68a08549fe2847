import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTTestSupport
import Testing

/// `iomtctl capture`'s pure half: the tap on a reader, its bound, and the case folder it makes, checked by the same
/// checks the fixture test runs on every Firmware-Fixtures case.
@Suite struct CaptureCaseTests {
    func profile(_ id: String) throws -> DeviceProfile { try #require(try Repository.catalog().profile(id: id)) }

    /// Writes the case's files to `<directory>/<driver>/<name>/` and returns it as a fixture case.
    func write(_ files: [(name: String, text: String)], driver: String, in directory: URL) throws -> FixtureCase {
        let folder = directory.appendingPathComponent(driver).appendingPathComponent("field-test")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files { try file.text.write(to: folder.appendingPathComponent(file.name), atomically: true, encoding: .utf8) }
        return FixtureCase(folder: folder)
    }

    /// Three seconds of a CMS50 at 60 Hz (four frames every 66 ms), SpO2 97 then 88 then 97, ticking once a second.
    func feedCMS50(_ reader: inout some DeviceReader, from start: Int64) -> [DeviceOutput] {
        var outputs: [DeviceOutput] = []
        var nextTick = start + 1000
        for step in 0..<45 {
            let time = start + Int64(step) * 66
            while nextTick <= time { outputs.append(reader.handle(.tick, at: .test(nextTick))); nextTick += 1000 }
            let spo2 = (15..<30).contains(step) ? 88 : 97
            let frames = (0..<4).flatMap { _ in CMS50Encoder.legacy(spo2: spo2, pulse: 72) }
            outputs.append(reader.handle(.bytes(frames), at: .test(time)))
        }
        return outputs
    }

    @Test func aSerialCaptureIsACaseTheFixtureTestAcceptsWithTheReadingsOfItsTimeline() throws {
        let cms50 = try profile("contec-cms50d-plus")
        let tap = CaptureTap()
        var reader = CapturingReader(try DriverRegistry.makeReader(for: cms50), tap: tap)
        _ = reader.handle(.linkUp, at: .test(0)) // before the capture: not recorded
        #expect(tap.start(at: .test(0)))
        _ = feedCMS50(&reader, from: 0)
        let result = try #require(tap.finish(at: .test(3000)))
        #expect(result.transcript.entries.count == 45 && !result.limitReached)
        #expect(result.transcript.bytesFromDevice == 45 * 20)
        #expect(try CaptureTranscript.parse(result.transcript.text) == result.transcript, "the transcript's text reads back as it was")

        let files = try CaptureCase(profiles: [cms50], transcript: result.transcript, limitReached: false).files()
        let directory = TemporaryDirectory("capture-case")
        let fixture = try write(files, driver: "cms50", in: directory.url)
        try FixtureCasesTests.check(fixture)
        try FixtureCasesTests.checkChunking(fixture)

        // The timeline's windows, not one median over everything: the desaturation shows.
        let expected = try JSONValue.parse(try fixture.text("expected.json"))["observations"]?.arrayValue ?? []
        let spo2 = expected.filter { $0["code"]?.stringValue == "MDC_PULS_OXIM_SAT_O2" }.compactMap { $0["value"]?.stringValue }
        #expect(spo2 == ["97", "88", "97"], "\(spo2)")
        let caseInfo = try JSONValue.parse(try fixture.text("case.json"))
        #expect(caseInfo["profile"]?.stringValue == "contec-cms50d-plus")
        #expect(caseInfo["timeline"]?.stringValue == CaptureCase.transcriptFile)
        #expect(caseInfo["expected"]?.stringValue == CaptureCase.expectedNote)
        #expect(caseInfo["description"]?.stringValue?.hasPrefix("field capture of Contec") == true)
        #expect(caseInfo["characteristic"] == nil)
        #expect(try Hex.bytes(from: try fixture.text("capture.hex")).count == 45 * 20)
    }

    @Test func aGATTCaptureKeepsOneValueInTheFixtureFormatAndEverythingInTheTranscript() throws {
        let oximeter = try profile("ble-pulse-oximeter")
        let tap = CaptureTap()
        var reader = CapturingReader(try DriverRegistry.makeReader(for: oximeter), tap: tap)
        #expect(tap.start(at: .test(0)))
        _ = reader.handle(.linkUp, at: .test(0))
        let spot = try Hex.bytes(from: "01 61 00 48 00 ea 07 0b 17 0a 0f 00") // with its device time stamp
        _ = reader.handle(.value(characteristic: BluetoothUUID(0x2A5E), bytes: spot), at: .test(100))
        for (index, spo2) in [0x60, 0x5f, 0x61].enumerated() {
            _ = reader.handle(.value(characteristic: BluetoothUUID(0x2A5F), bytes: [0x00, UInt8(spo2), 0x00, 0x46, 0x00]),
                              at: .test(1000 + Int64(index) * 1000))
        }
        let result = try #require(tap.finish(at: .test(5000)))
        let files = try CaptureCase(profiles: [oximeter], transcript: result.transcript, limitReached: false).files()
        let directory = TemporaryDirectory("capture-case-gatt")
        let fixture = try write(files, driver: "ble-pulse-oximeter", in: directory.url)
        try FixtureCasesTests.check(fixture)

        let caseInfo = try JSONValue.parse(try fixture.text("case.json"))
        #expect(caseInfo["characteristic"]?.stringValue == "2A5F", "the characteristic most values came on")
        #expect(caseInfo["before"]?.arrayValue?.first?["characteristic"]?.stringValue == "2A5E")
        #expect(caseInfo["deviceTime"]?.stringValue == "2026-11-23T10:15:00", "the spot-check's stamp: \(caseInfo.prettyPrinted())")
        #expect(try fixture.text("capture.hex") == "00 60 00 46 00\n")
        let transcript = try fixture.text(CaptureCase.transcriptFile)
        #expect(transcript.contains("device>gateway value 2A5F 00 61 00 46 00") && transcript.contains("link up"))
    }

    @Test func theBoundStopsRecordingAndSaysHowMuchWasLeftOut() throws {
        let tap = CaptureTap()
        #expect(tap.start(at: .test(0), limits: CaptureTap.Limits(maxEvents: 5, maxBytes: 1000)))
        var reader = CapturingReader(try DriverRegistry.makeReader(for: try profile("contec-cms50d-plus")), tap: tap)
        for index in 0..<8 { _ = reader.handle(.bytes([0x80, 0x40, 0x04, 0x48, 0x61]), at: .test(Int64(index) * 10)) }
        #expect(tap.progress?.limitReached == true)
        let counted = try #require(tap.finish(at: .test(100)))
        #expect(counted.limitReached && counted.droppedEvents == 3 && counted.transcript.entries.count == 5)

        #expect(tap.start(at: .test(0), limits: CaptureTap.Limits(maxEvents: 100, maxBytes: 12)))
        for index in 0..<4 { _ = reader.handle(.bytes([0x80, 0x40, 0x04, 0x48, 0x61]), at: .test(Int64(index) * 10)) }
        let sized = try #require(tap.finish(at: .test(100)))
        #expect(sized.limitReached && sized.transcript.bytesFromDevice == 10 && sized.droppedEvents == 2)
    }

    /// At the default bound, with the longest lines (a 128-bit UUID on every value, both bounds reached together), the
    /// transcript still fits one `iomtctl replay` request: the control socket reads at most 1 MiB (ControlServer.maxRequestBytes).
    @Test func aFullCaptureStillFitsOneReplayRequest() throws {
        let tap = CaptureTap()
        #expect(tap.start(at: .test(0)))
        let uuid = try #require(BluetoothUUID(parsing: "6e400003-b5a3-f393-e0a9-e50e24dcca9e"))
        let size = CaptureTap.Limits.default.maxBytes / CaptureTap.Limits.default.maxEvents
        var index: Int64 = 0
        while tap.progress?.limitReached == false {
            tap.record(.value(characteristic: uuid, bytes: [UInt8](repeating: 0xA5, count: size)), output: DeviceOutput(), at: .test(index * 100))
            index += 1
        }
        let text = try #require(tap.finish(at: .test(index * 100))).transcript.text
        let escapedNewlines = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count // "\n" in a JSON string
        #expect(text.utf8.count + escapedNewlines + 4096 < 1 << 20, "\(text.utf8.count) characters")
    }

    @Test func aSecondCaptureOfTheSameDeviceIsRefusedWhileOneRuns() {
        let tap = CaptureTap()
        #expect(tap.start(at: .test(0)))
        #expect(!tap.start(at: .test(10)))
        #expect(tap.finish(at: .test(20)) != nil)
        #expect(tap.start(at: .test(30)), "once the first ended, the device can be captured again")
    }

    @Test func aCaptureDoesNotChangeWhatTheReaderGivesTheDaemon() throws {
        let cms50 = try profile("contec-cms50d-plus")
        var plain = try DriverRegistry.makeReader(for: cms50)
        let tap = CaptureTap()
        var tapped = CapturingReader(try DriverRegistry.makeReader(for: cms50), tap: tap)
        _ = plain.handle(.linkUp, at: .test(0)); _ = tapped.handle(.linkUp, at: .test(0))
        #expect(tap.start(at: .test(0)))
        #expect(feedCMS50(&tapped, from: 0) == feedCMS50(&plain, from: 0))
    }
}

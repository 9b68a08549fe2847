import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// Driver buffers stay bounded whatever a device sends, and oximetry windows survive the wall clock stepping back.
@Suite struct DriverMemoryBoundTests {
    /// A spirometer starts a report, then prints blank lines and noise for ever (stuck printer, wrong baud rate):
    /// the open report is dropped at its bound, named in a rejection, and the buffer does not grow with the stream.
    @Test func aReportThatNeverEndsIsDroppedAtItsBound() throws {
        let spirometer = try #require(try Repository.catalog().profile(id: "generic-spirometer-text-report"))
        var session = try DriverRegistry.makeSession(for: spirometer)
        _ = session.ingest(Array("SPIROMETRY REPORT\r\nFVC      : 4.12 L\r\n".utf8), at: .test(0))
        var rejections: [String] = []
        for chunk in 0..<512 {
            let noise = Array(repeating: Array("\r\n".utf8) + [0x01, 0x02] + Array("\r\n".utf8), count: 256).flatMap { $0 }
            let output = session.ingest(noise, at: .test(Int64(chunk)))
            #expect(output.measurements.isEmpty)
            rejections += output.events.compactMap { if case let .rejectedFrame(reason) = $0 { reason } else { nil } }
        }
        #expect(rejections.contains { $0.contains("without end marker") }, "\(rejections)")
        // What finish reports as left over is what was still buffered: at most one report's bound, not the 768 KiB sent.
        let leftover = session.finish(at: .test(600)).events.compactMap { if case let .resynchronised(count) = $0 { count } else { nil } }.reduce(0, +)
        #expect(leftover <= TextReportParser.maxReportBytes + 4096 + 2, "\(leftover) bytes still buffered")
    }

    private func frames(_ count: Int, spo2: Int) -> [UInt8] {
        (0..<count).flatMap { _ in CMS50Encoder.legacy(spo2: spo2, pulse: 70) }
    }

    /// The wall clock steps back an hour during a desaturation: windows keep closing every second, so the 85 %
    /// seconds are reported as 85 % instead of vanishing into one hour-long median of mostly 97 %.
    @Test func aWallClockStepBackDoesNotPourAnHourIntoOneWindow() throws {
        var session = try DriverRegistry.makeSession(for: profile(driver: CMS50Registration.legacyId))
        _ = session.start(at: .test(3_600_000))
        _ = session.ingest(frames(60, spo2: 97), at: .test(3_600_000))
        var values: [DecimalValue?] = []
        // One hour earlier by the wall clock, from now on: 10 s of desaturation among 60 s of normal readings.
        for second in Int64(0)..<60 {
            let spo2 = (20..<30).contains(second) ? 85 : 97
            for quarter in Int64(0)..<4 {
                let time = Instant.test(second * 1000 + quarter * 250)
                values += session.ingest(frames(15, spo2: spo2), at: time).measurements.filter { $0.type == .spo2 }.map(\.value)
            }
        }
        #expect(values.count >= 58, "windows stopped closing after the step back: \(values.count) SpO2 values in 60 s")
        #expect(values.filter { $0 == DecimalValue(85) }.count >= 9, "the desaturation was hidden: \(values)")
    }
}

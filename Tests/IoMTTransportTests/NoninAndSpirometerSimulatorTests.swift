import IoMTCore
import IoMTLab
import IoMTProfiles
import IoMTTransport
import Testing

private let settings9600 = SerialSettings(baudRate: 9600)

/// Format #2 frames found by the start byte, status bit 7 and checksum (the published rule).
private func checkedFormat2Frames(_ bytes: [UInt8]) -> [[UInt8]] {
    var frames: [[UInt8]] = []
    var index = 0
    while index + 5 <= bytes.count {
        let candidate = Array(bytes[index..<index + 5])
        if candidate[0] == 0x01, candidate[1] & 0x80 != 0, candidate[0..<4].reduce(0, &+) == candidate[4] {
            frames.append(candidate); index += 5
        } else {
            index += 1
        }
    }
    return frames
}

@Suite(.serialized) struct NoninAndSpirometerSimulatorTests {
    @Test func format2StreamsChecksummedPacketsOf25Frames() async throws {
        let simulator = NoninSimulator(format: .format2, script: .steady, seed: 2)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: settings9600)
        defer { port.close() }
        let frames = checkedFormat2Frames(try await collect(port, seconds: 1.2))
        // Loose: ~90 frames at 75/s; only gross pacing errors fail.
        #expect(frames.count > 40 && frames.count < 250, "\(frames.count) frames")
        let syncs = frames.indices.filter { frames[$0][1] & 0x01 != 0 }
        #expect(syncs.count >= 2)
        for (first, next) in zip(syncs, syncs.dropFirst()) {
            #expect(next - first == 25, "a packet is 25 frames")
            let hr = Int(frames[first][3] & 0x03) << 7 | Int(frames[first + 1][3] & 0x7F)
            #expect(hr == 72 && frames[first + 2][3] == 97)
        }
    }

    @Test func formatSelectCommandIsAcknowledgedAndSwitchesToFormat8() async throws {
        let simulator = NoninSimulator(format: .format2, script: .steady, seed: 4)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: settings9600)
        defer { port.close() }
        // Drained, commanded and read on one thread: format #2 bytes piling up while a test resumed on a busy pool
        // would come before the ACK, and a 0x06 among them would pass for it.
        let bytes = try await LabChildProcess.offThePool {
            Result { () throws -> [UInt8] in
                _ = try collectBlocking(port, seconds: 0.2)
                try port.write(NoninFrame.selectFormatCommand(8))
                return try collectBlocking(port, seconds: 2.3)
            }
        }.get()
        #expect(simulator.currentFormat == .format8)
        #expect(simulator.receivedCommands == [[0x02, 0x70, 0x02, 0x02, 0x08, 0x03]])
        let ack = try #require(bytes.firstIndex(of: NoninFrame.ack), "no ACK")
        let after = Array(bytes[(ack + 1)...])
        #expect(after.count >= 8 && after.count % 4 == 0, "\(after.count) bytes of format #8")
        for start in stride(from: 0, to: after.count - 3, by: 4) {
            #expect(after[start..<start + 4] == [0x80, 72, 97, 0], "STATUS, HR LSB, SpO2, STATUS2")
        }
        try port.write(NoninFrame.selectFormatCommand(13))
        #expect(try await collect(port, seconds: 0.3).contains(NoninFrame.nack), "a format it does not simulate is refused")
    }

    @Test func spirometerPrintsCompleteReportsAtTheInterval() async throws {
        let simulator = SpirometerSimulator(intervalSeconds: 0.5)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: settings9600)
        defer { port.close() }
        let text = String(decoding: try await collect(port, seconds: 1.3), as: UTF8.self)
        let reports = text.components(separatedBy: "END OF REPORT\r\n").dropLast()
        #expect(reports.count >= 1)
        #expect(text.contains("FEV1     : 3.01 L\r\n"), "the second session (grade C) was printed")
        #expect(text.contains("FEV1/FVC : 75.6 %\r\n"), "301 / 398 = 75.63 %, printed with one decimal")
        #expect(text.contains("QUALITY  : C\r\n"))
    }

    @Test func reportTextMatchesTheProfileLayout() {
        let report = String(decoding: SpirometerSimulator.report(.init(fvc: 405, fev1: 329, pef: 812, fef2575: nil, grade: "B"), number: 3), as: UTF8.self)
        #expect(report.hasPrefix("SPIROMETRY REPORT\r\n"))
        #expect(report.hasSuffix("END OF REPORT\r\n"))
        #expect(report.contains("FEF25-75 : ---\r\n"))
        #expect(report.contains("FEV1/FVC : 81.2 %\r\n"))
    }
}

import IoMTCore
import Glibc
import IoMTLab
import IoMTProfiles
import IoMTTransport
import Testing

private let legacySettings = SerialSettings(baudRate: 19200, dataBits: 8, parity: .odd, stopBits: 1)
private let v46Settings = SerialSettings(baudRate: 115200)

/// Splits a legacy stream at sync bytes (bit 7 set); drops bytes before the first sync.
private func legacyFrames(_ bytes: [UInt8]) -> [[UInt8]] {
    var frames: [[UInt8]] = []
    for byte in bytes {
        if byte & 0x80 != 0 { frames.append([byte]) } else if !frames.isEmpty { frames[frames.count - 1].append(byte) }
    }
    return frames
}

/// Splits a v4.6 stream at bytes without bit 7 (packet types); drops bytes before the first.
private func v46Frames(_ bytes: [UInt8]) -> [[UInt8]] {
    var frames: [[UInt8]] = []
    for byte in bytes {
        if byte & 0x80 == 0 { frames.append([byte]) } else if !frames.isEmpty { frames[frames.count - 1].append(byte) }
    }
    return frames
}

@Suite(.serialized) struct CMS50SimulatorTests {
    @Test func legacyFramesHaveOnlyTheSyncBitOnByteZero() async throws {
        let simulator = CMS50Simulator(generation: .legacy, script: .steady, seed: 3)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: legacySettings)
        defer { port.close() }
        let bytes = try await collect(port, seconds: 1.5)
        let frames = legacyFrames(bytes).dropFirst() // the first may be cut by the flush on open
        // Loose: ~90 frames at 60 Hz over 1.5 s; only gross pacing errors fail.
        #expect(frames.count > 30 && frames.count < 200, "\(frames.count) frames")
        #expect(simulator.frameCount >= UInt64(frames.count))
        for frame in frames.dropLast() {
            #expect(frame.count == 5)
            #expect(frame.dropFirst().allSatisfy { $0 & 0x80 == 0 })
            #expect(frame[3] == 72 && frame[2] & 0x40 == 0) // pulse 72: bit 7 clear
            #expect(frame[4] == 97)
            #expect(frame[0] & 0x10 == 0) // finger in
        }
        #expect(frames.contains { $0[0] & 0x40 != 0 }, "a beat (beep) marker within 1.5 s at 72 bpm")
    }

    @Test func legacyEncodingCarriesPulseBit7AndFlags() {
        let sample = CMS50Sample(pleth: 100, signalStrength: 7, barGraph: 9, beat: true, fingerOut: true, searching: true,
                                 probeError: true, spo2Dropping: true, pulseRate: 200, spo2: 85)
        let expected: [UInt8] = [0xF7, 100, 0x79, 0x48, 85] // 0x80|beep|dropping|finger|7; searching|probe|pulse bit 7|9; 200 & 0x7F
        #expect(CMS50Frame.legacy(sample) == expected)
    }

    @Test func v46EncodingPutsHighBitsInByteOne() throws {
        let sample = CMS50Sample(pleth: 100, signalStrength: 5, barGraph: 3, beat: true, fingerOut: false, searching: false,
                                 probeError: false, spo2Dropping: false, pulseRate: 200, spo2: 97)
        let frame = CMS50Frame.v46(sample)
        #expect(frame.count == 9 && frame[0] == 0x01)
        #expect(frame.dropFirst().allSatisfy { $0 & 0x80 != 0 })
        // Payload bit 7s: pulse 200 (payload index 3) and the two 0xFF fillers (indices 5, 6).
        #expect(frame[1] == 0xE8) // 0x80 | 0x08 (pulse) | 0x20 | 0x40 (fillers)
        let unpacked = try #require(CMS50Frame.v46Unpack(frame))
        #expect(unpacked.type == 0x01)
        #expect(unpacked.payload == [0x45, 100, 3, 200, 97, 0xFF, 0xFF])
        // Finger out travels as bit 7 of the status byte, i.e. bit 0 of byte 1.
        var out = sample
        out.fingerOut = true
        #expect(CMS50Frame.v46(out)[1] & 0x01 != 0)
    }

    @Test func v46StreamsOnlyAfterStartCommandAndStopsWithoutKeepAlive() async throws {
        let simulator = CMS50Simulator(generation: .v46, script: .steady, seed: 5, keepAliveTimeoutSeconds: 0.6)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: v46Settings)
        defer { port.close() }

        #expect(try await collect(port, seconds: 0.4).isEmpty, "v4.6 must stay silent until A1")
        try port.write(CMS50Frame.command(0xA1))
        // Keep it alive with A7 for a while: streaming must continue past the timeout. One thread keeps the pace: a
        // test resuming between windows on a busy cooperative pool could let the 0.6 s lapse.
        let (bytes, streaming) = try await LabChildProcess.offThePool {
            Result { () throws -> ([UInt8], Bool) in
                var bytes: [UInt8] = []
                for _ in 0..<5 {
                    bytes += try collectBlocking(port, seconds: 0.25)
                    try port.write(CMS50Frame.command(0xA7))
                }
                return (bytes, simulator.isStreaming)
            }
        }.get()
        #expect(streaming)
        #expect(simulator.receivedCommands.first == 0xA1)
        let frames = v46Frames(bytes).dropFirst().dropLast()
        #expect(frames.count > 20, "\(frames.count) frames")
        for frame in frames {
            #expect(frame.count == 9 && frame[0] == 0x01)
            let payload = try #require(CMS50Frame.v46Unpack(frame)).payload
            #expect(payload[3] == 72 && payload[4] == 97 && payload[5] == 0xFF && payload[6] == 0xFF)
        }

        // No more keep-alives: the device goes quiet after the timeout.
        _ = try await collect(port, seconds: 1.2)
        #expect(!simulator.isStreaming)
        #expect(try await collect(port, seconds: 0.3).isEmpty)
    }

    @Test func unplugAndReplugThroughTheSymlink() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let link = directory + "/ttyCMS50"
        let simulator = CMS50Simulator(generation: .legacy, script: .demo, seed: 9)
        let firstPath = try simulator.start(symlinkPath: link)
        defer { simulator.stop() }

        let connection = SerialConnection(path: link, settings: legacySettings, backoff: Backoff(initialMilliseconds: 20, maximumMilliseconds: 200))
        let log = EventLog(connection.chunks())
        #expect(await log.waitUntil { $0.data.count > 50 })
        simulator.unplug()
        #expect(await log.waitUntil { log in log.closeReasons.contains { if case .unplugged = $0 { true } else { false } } })
        let before = log.data.count
        let secondPath = try simulator.replug()
        // The kernel may reuse the pts number; the symlink is what the daemon follows.
        _ = (firstPath, secondPath)
        #expect(await log.waitUntil { $0.openedCount == 2 && $0.data.count > before + 50 })
        connection.stop()
        await log.finished()
    }

    @Test func replayIsByteExact() throws {
        var random = SeededRandom(seed: 11)
        let capture = (0..<700).map { _ in UInt8.random(in: 0...255, using: &random) }
        // v4.6 stays silent without A1, so nothing but the replay reaches the port.
        let simulator = CMS50Simulator(generation: .v46)
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: v46Settings)
        defer { port.close() }
        simulator.replay(captureHex: capture, chunkSize: 13, intervalMilliseconds: 1)
        let received = try readAll(from: port, count: capture.count)
        #expect(received == capture)
        #expect(simulator.replayFinished)
    }

    @Test func garbageBreaksFramesButSyncStillFindsValidOnes() async throws {
        let simulator = CMS50Simulator(generation: .legacy, script: .steady, seed: 13, garbage: .init(rate: 0.3))
        let path = try simulator.start()
        defer { simulator.stop() }
        let port = try SerialPort.open(path: path, settings: legacySettings)
        defer { port.close() }
        let frames = legacyFrames(try await collect(port, seconds: 1.5)).dropFirst().dropLast()
        let valid = frames.filter { $0.count == 5 && $0[3] == 72 && $0[4] == 97 }
        #expect(valid.count > 10)
        #expect(valid.count < frames.count, "garbage should corrupt some frames")
    }
}

import IoMTCore
import IoMTDrivers
import Testing

@Suite struct CMS50FramerTests {
    /// Good frames separated by random garbage: every good frame comes out, in order, and nothing
    /// that breaks the sync rule is ever emitted.
    @Test(arguments: [1, 2, 3, 42, 4711])
    func legacyResynchronisesAfterRandomGarbage(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var stream: [UInt8] = []
        var good: [[UInt8]] = []
        for index in 0..<200 {
            let frame = CMS50Encoder.legacy(spo2: 90 + index % 10, pulse: 60 + index % 90)
            good.append(frame)
            stream += frame
            stream += (0..<Int.random(in: 0...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        var framer = CMS50LegacyFramer()
        let frames = framer.push(stream)
        for frame in frames {
            #expect(frame.count == 5 && frame[0] & 0x80 != 0 && frame.dropFirst().allSatisfy { $0 & 0x80 == 0 })
        }
        #expect(isSubsequence(good, of: frames))
        #expect(framer.discardedBytes + frames.count * 5 + framer.pendingByteCount == stream.count)
    }

    @Test(arguments: [5, 6, 7, 99])
    func v46ResynchronisesAfterRandomGarbage(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var stream: [UInt8] = []
        var good: [[UInt8]] = []
        for index in 0..<200 {
            let frame = CMS50Encoder.v46(spo2: 90 + index % 10, pulse: 40 + index % 200)
            good.append(frame)
            stream += frame
            stream += (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        var framer = CMS50V46Framer()
        let frames = framer.push(stream)
        for frame in frames {
            #expect(frame.count == 9 && frame[0] == 0x01 && frame.dropFirst().allSatisfy { $0 & 0x80 != 0 })
        }
        #expect(isSubsequence(good, of: frames))
        #expect(framer.discardedBytes + frames.count * 9 + framer.pendingByteCount == stream.count)
    }

    @Test func legacyDropsTornFrames() {
        let good = CMS50Encoder.legacy(spo2: 97, pulse: 72)
        let torn = CMS50Encoder.legacy(spo2: 50, pulse: 200)
        var framer = CMS50LegacyFramer()
        // A frame cut short is dropped at the next sync byte; a fragment without its sync byte is skipped.
        // (A cut frame directly followed by a sync-less fragment would merge: the protocol has no checksum.)
        let frames = framer.push(good + Array(torn.prefix(3)) + good + Array(torn.dropFirst()) + good)
        #expect(frames == [good, good, good])
        #expect(framer.discardedBytes == 7)
    }

    @Test func v46DropsTornFramesAndOtherPackets() {
        let good = CMS50Encoder.v46(spo2: 97, pulse: 72)
        var framer = CMS50V46Framer()
        let frames = framer.push([0x7D, 0x81, 0xA1] + Array(good.prefix(6)) + [0x0C, 0x80, 0x81] + good)
        #expect(frames == [good])
        #expect(framer.discardedBytes == 3 + 6 + 3)
    }

    @Test func legacyDecodesPulseAbove127WithTheCarriedBit() throws {
        let sample = try #require(CMS50LegacyDecoder.decode(CMS50Encoder.legacy(spo2: 95, pulse: 150)))
        #expect(sample.pulseRate == 150)
        #expect(sample.spo2 == 95)
        #expect(sample.conditions.isEmpty)
    }

    @Test func legacyInvalidMarkersAreNotValues() throws {
        let sample = try #require(CMS50LegacyDecoder.decode(CMS50Encoder.legacy(spo2: 0x7F, pulse: 0xFF, fingerOut: true)))
        #expect(sample.pulseRate == nil && sample.spo2 == nil)
        #expect(sample.conditions == [.sensorOff])
    }

    @Test func v46RestoresHighBitsFromByteOne() throws {
        // Nominal frame quoted in the sources: 01 e0 85 d5 9a bd e3 ff ff → pulse 61, SpO2 99.
        let sample = try #require(CMS50V46Decoder.decode([0x01, 0xE0, 0x85, 0xD5, 0x9A, 0xBD, 0xE3, 0xFF, 0xFF]))
        #expect(sample.pulseRate == 61 && sample.spo2 == 99 && sample.signalStrength == 5 && sample.conditions.isEmpty)
        let high = try #require(CMS50V46Decoder.decode(CMS50Encoder.v46(spo2: 97, pulse: 140)))
        #expect(high.pulseRate == 140)
    }

    @Test func decodersRejectFramesBreakingTheRules() {
        #expect(CMS50LegacyDecoder.decode([0x80, 0x01, 0x02, 0x83, 0x04]) == nil)
        #expect(CMS50LegacyDecoder.decode([0x80, 0x01]) == nil)
        #expect(CMS50V46Decoder.decode([0x01, 0xE0, 0x85, 0x55, 0x9A, 0xBD, 0xE3, 0xFF, 0xFF]) == nil)
        #expect(CMS50V46Decoder.decode([0x02, 0xE0, 0x85, 0xD5, 0x9A, 0xBD, 0xE3, 0xFF, 0xFF]) == nil)
    }
}

func isSubsequence(_ needles: [[UInt8]], of haystack: [[UInt8]]) -> Bool {
    var index = haystack.startIndex
    for needle in needles {
        guard let found = haystack[index...].firstIndex(of: needle) else { return false }
        index = found + 1
    }
    return true
}

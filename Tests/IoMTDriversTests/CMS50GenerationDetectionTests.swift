import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// Either CMS50 profile reads either generation: the bytes tell them apart (README, "Telling the generations
/// apart"). Driven through the shipped profiles, as the daemon and hotplug use them.
@Suite struct CMS50GenerationDetectionTests {
    func session(_ profileId: String) throws -> any ByteStreamDriver {
        let profile = try #require(try Repository.catalog().profile(id: profileId))
        return try DriverRegistry.makeSession(for: profile)
    }

    /// One second of frames per step, ticked at each second's end.
    func feed(_ session: inout any ByteStreamDriver, seconds: Int, frame: [UInt8]) -> DeviceOutput {
        var output = session.start(at: .test(0))
        for second in 0..<seconds {
            for part in 0..<4 {
                output.append(session.ingest(Array((0..<15).flatMap { _ in frame }), at: .test(Int64(second) * 1000 + Int64(part) * 250)))
            }
            output.append(session.tick(at: .test(Int64(second + 1) * 1000)))
        }
        return output
    }

    @Test func cms50eOnTheLegacyProfileIsDetectedAndRead() throws {
        var legacyProfile = try session("contec-cms50d-plus")
        let output = feed(&legacyProfile, seconds: 4, frame: CMS50Encoder.v46(spo2: 96, pulse: 66))
        #expect(output.byteCommands.first == CMS50V46Decoder.startLiveData, "the v4.6 device is asked for live data")
        #expect(output.events.contains { event in
            if case let .deviceInfo("generation", text) = event { return text.contains("decoding them as v46") && text.contains("contec-cms50e") }
            return false
        }, "\(output.events)")
        let values = output.measurements.compactMap(\.value)
        #expect(values.count >= 4 && Set(values) == [DecimalValue(96), DecimalValue(66)], "\(output.measurements)")
        // From now on the v4.6 keep-alive runs.
        #expect((5...10).contains { legacyProfile.tick(at: .test(Int64($0) * 1000)).byteCommands == [CMS50V46Decoder.startLiveData] })
    }

    @Test func legacyDeviceOnTheV46ProfileIsDetectedAndRead() throws {
        var v46Profile = try session("contec-cms50e")
        let output = feed(&v46Profile, seconds: 4, frame: CMS50Encoder.legacy(spo2: 95, pulse: 81))
        #expect(output.events.contains { event in
            if case let .deviceInfo("generation", text) = event { return text.contains("decoding them as legacy") }
            return false
        }, "\(output.events)")
        let values = output.measurements.compactMap(\.value)
        #expect(values.count >= 4 && Set(values) == [DecimalValue(95), DecimalValue(81)], "\(output.measurements)")
    }

    /// Noise (a stream at the wrong baud rate) never switches and never decodes, on either profile.
    @Test(arguments: ["legacy-wrong-baud-noise", "v46-wrong-baud-noise"]) func noiseNeverSwitches(fixture: String) throws {
        let noise = try Hex.bytes(from: String(contentsOf: Repository.fixturesDirectory.appendingPathComponent("cms50/\(fixture)/capture.hex"),
                                               encoding: .utf8))
        for profileId in ["contec-cms50d-plus", "contec-cms50e"] {
            var reader = try session(profileId)
            var output = reader.start(at: .test(0))
            for (index, chunk) in stride(from: 0, to: noise.count, by: 7).map({ Array(noise[$0..<min($0 + 7, noise.count)]) }).enumerated() {
                output.append(reader.ingest(chunk, at: .test(Int64(index) * 10)))
            }
            output.append(reader.finish(at: .test(100_000)))
            #expect(output.measurements.allSatisfy { $0.value == nil }, "\(profileId) decoded values from \(fixture)")
            #expect(!output.events.contains { if case .deviceInfo("generation", _) = $0 { return true } else { return false } })
        }
    }

    /// Mixed: a device's own frames keep it on its generation even with the other's frames interleaved now and then.
    @Test func ownFramesKeepTheGeneration() throws {
        var legacyProfile = try session("contec-cms50d-plus")
        var output = legacyProfile.start(at: .test(0))
        for step in 0..<40 {
            let own = Array((0..<5).flatMap { _ in CMS50Encoder.legacy(spo2: 97, pulse: 72) })
            let other = Array((0..<3).flatMap { _ in CMS50Encoder.v46(spo2: 90, pulse: 50) })
            output.append(legacyProfile.ingest(own + other, at: .test(Int64(step) * 100)))
        }
        output.append(legacyProfile.finish(at: .test(5000)))
        #expect(Set(output.measurements.compactMap(\.value)) == [DecimalValue(97), DecimalValue(72)])
    }
}

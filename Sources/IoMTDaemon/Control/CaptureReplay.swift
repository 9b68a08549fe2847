import IoMTCore
import IoMTDrivers
import IoMTProfiles

/// Runs a captured byte stream through a profile's driver on a synthetic clock, as if the device had
/// sent it at its line rate ending now, and returns the normalised observations marked as test data
/// (FHIR meta.security HTEST), so a replay can never pass for a patient's real measurement.
struct CaptureReplay {
    let profile: DeviceProfile
    let bytes: [UInt8]
    let patientId: String?
    let label: String
    /// A capture case's transcript (`iomtctl capture`): replayed on its recorded timeline, so windows close where they
    /// closed live, and GATT values replay too. Without it, `bytes` at the profile's line rate.
    var transcript: String? = nil

    /// Bytes per second at the profile's line settings (start + data + parity + stop bits per byte).
    var byteRate: Int64 {
        guard let serial = profile.serial else { return 1000 }
        let bitsPerByte = 1 + serial.dataBits + (serial.parity == .none ? 0 : 1) + serial.stopBits
        return max(1, Int64(serial.baudRate / bitsPerByte))
    }

    func run(endingAt end: Instant) throws -> (observations: [Observation], rejectedFrames: Int) {
        var reader = try DriverRegistry.makeReader(for: profile)
        let timeline = try transcript.map { text throws(CaptureTranscript.ParseError) in try CaptureTranscript.parse(text) }
        guard reader.needs == .byteStream || timeline != nil else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "a byte-stream driver (a capture without a transcript is a byte stream)", found: "\"\(profile.driver)\"")
        }
        let identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                      serialNumber: "replay", portPath: "replay:\(label)")
        let outputs: [(output: DeviceOutput, at: Instant)]
        if let timeline {
            let durationMs = (timeline.entries.last?.offsetMilliseconds ?? 0).addingSaturated(1000)
            outputs = reader.replay(timeline, from: end.adding(milliseconds: -durationMs))
        } else {
            let durationMs = Int64(bytes.count) * 1000 / byteRate
            outputs = reader.replay(bytes, byteRate: byteRate, from: end.adding(milliseconds: -durationMs - 1000))
        }
        let normaliser = Normaliser()
        var observations: [Observation] = []
        var rejected = 0
        for (output, time) in outputs {
            rejected += output.rejections.count
            for measurement in output.measurements {
                // A device with parts (a two-user cuff): each reading its part's, the patient only the home part's.
                let patient = DeviceIngest.configuredPatient(patientId, part: measurement.subDevice, homePart: reader.homePatientSubDevice)
                var observation = normaliser.normalise(measurement, device: identity.part(measurement.subDevice), patientId: patient, receivedAt: time)
                observation.status.insert(.testData)
                for index in observation.components.indices { observation.components[index].status.insert(.testData) }
                observations.append(observation)
            }
        }
        return (observations, rejected)
    }
}

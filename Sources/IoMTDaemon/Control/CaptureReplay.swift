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

    /// Bytes per second at the profile's line settings (start + data + parity + stop bits per byte).
    var byteRate: Int64 {
        guard let serial = profile.serial else { return 1000 }
        let bitsPerByte = 1 + serial.dataBits + (serial.parity == .none ? 0 : 1) + serial.stopBits
        return max(1, Int64(serial.baudRate / bitsPerByte))
    }

    func run(endingAt end: Instant) throws(DriverConfigurationError) -> (observations: [Observation], rejectedFrames: Int) {
        var session = try DriverRegistry.makeSession(for: profile)
        let durationMs = Int64(bytes.count) * 1000 / byteRate
        let start = end.adding(milliseconds: -durationMs - 1000)
        let identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                      serialNumber: "replay", portPath: "replay:\(label)")
        var outputs: [(DriverOutput, Instant)] = [(session.start(at: start), start)]
        var nextTick = start.adding(milliseconds: 1000)
        let chunk = 32
        var offset = 0
        while offset < bytes.count {
            let time = start.adding(milliseconds: Int64(offset) * 1000 / byteRate)
            while nextTick <= time {
                outputs.append((session.tick(at: nextTick), nextTick))
                nextTick = nextTick.adding(milliseconds: 1000)
            }
            let slice = Array(bytes[offset..<min(bytes.count, offset + chunk)])
            outputs.append((session.ingest(slice, at: time), time))
            offset += chunk
        }
        let finish = start.adding(milliseconds: durationMs + 1000)
        outputs.append((session.tick(at: finish), finish))
        outputs.append((session.finish(at: finish), finish))
        let normaliser = Normaliser()
        var observations: [Observation] = []
        var rejected = 0
        for (output, time) in outputs {
            rejected += output.events.filter { if case .rejectedFrame = $0 { return true } else { return false } }.count
            for measurement in output.measurements {
                var observation = normaliser.normalise(measurement, device: identity, patientId: patientId, receivedAt: time)
                observation.status.insert(.testData)
                for index in observation.components.indices { observation.components[index].status.insert(.testData) }
                observations.append(observation)
            }
        }
        return (observations, rejected)
    }
}

import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTStore

/// The one path from a device reader's output to the pipeline, whatever the transport: the reader's diagnostics
/// logged (never patient data), its measurements normalised for this device, stored with the record mark they carry
/// (one transaction) and evaluated by the alert engine, and the device board told what was stored.
struct DeviceIngest: Sendable {
    let identity: DeviceIdentity
    /// The configured patient of a home hub (nil in clinic mode: the store attributes by binding when it stores).
    let patientId: String?
    let pipeline: IngestPipeline
    let board: DeviceStatusBoard
    /// The log category of the transport ("serial", "bluetooth").
    let category: String
    /// A byte stream's rejected frames are routine (line noise, a torn frame at start): logged at debug level. A
    /// rejected Bluetooth value is not (it arrived whole): a warning.
    let rejectionsAreRoutine: Bool
    /// A device read through several profiles: the identity under each profile id (same address, so the same device
    /// key); a measurement is stored under the profile that decoded it (`DecodedMeasurement.sourceProfileId`).
    var memberIdentities: [String: DeviceIdentity] = [:]
    /// A device whose parts measure for different people (a two-user cuff, `DeviceReader.subDevices`): the part a home
    /// hub's patient measures as. The other parts' readings carry no patient: no binding can be made on a home hub, so
    /// they are held, never put on the hub's patient.
    var homePatientSubDevice: String? = nil

    /// The home hub's patient for a reading of `part` (nil: the whole device).
    func homePatient(part: String?) -> String? { Self.configuredPatient(patientId, part: part, homePart: homePatientSubDevice) }

    /// A device's one configured patient (a home hub's, a replay's) for a reading of `part`: the whole device's readings
    /// and the home part's are that patient's, another part's nobody's (held: a second person's, never this patient's).
    static func configuredPatient(_ patient: String?, part: String?, homePart: String?) -> String? {
        part == nil || part == homePart ? patient : nil
    }

    /// Stores the output's readings (and its record mark unless `withMark` is false); false when the store refused
    /// them now (they wait in memory; a mark is then not written, so the device is asked again from the stored one).
    @discardableResult
    func deliver(_ output: DeviceOutput, receivedAt: Instant, normaliser: Normaliser, withMark: Bool = true) async -> Bool {
        log(output.events)
        var marks: [DeviceMarkUpdate] = []
        if withMark {
            if let mark = output.recordMark { marks.append(DeviceMarkUpdate(deviceKey: identity.key, mark: mark)) }
            // Each part's mark on the part's key: one user's download never moves the other's.
            for (part, mark) in output.subDeviceMarks.sorted(by: { $0.key < $1.key }) {
                marks.append(DeviceMarkUpdate(deviceKey: identity.part(part).key, mark: mark))
            }
        }
        guard !output.measurements.isEmpty || !marks.isEmpty else { return true }
        // The device (or the part) is all this step gives: the store attributes the reading by its key (GroupCommit).
        let observations = output.measurements.map {
            normaliser.normalise($0, device: ($0.sourceProfileId.flatMap { memberIdentities[$0] } ?? identity).part($0.subDevice),
                                 patientId: homePatient(part: $0.subDevice), receivedAt: receivedAt, sequenceNumber: output.sequenceNumber)
        }
        for held in observations where held.status.contains(.timeUntrusted) {
            Log.warning("\(identity.key): \(held.type.mdcRefId) reading held: its time (\(held.correctedTime.iso8601)) is not trustworthy", category)
        }
        let ids = await pipeline.accept(observations, marks: marks)
        if ids.count != observations.count { return false }
        if !ids.isEmpty, let latest = observations.map(\.correctedTime).max() {
            board.readingsStored(identity.key, count: ids.count, latest: latest)
            for (key, ofPart) in Dictionary(grouping: observations.filter { $0.device.subDevice != nil }, by: \.device.key) {
                board.readingsStored(key, count: ofPart.count, latest: ofPart.map(\.correctedTime).max() ?? latest)
            }
        }
        return true
    }

    private func log(_ events: [DriverEvent]) {
        for event in events {
            switch event {
            case let .resynchronised(count): Log.debug("\(identity.key): resynchronised, \(count) bytes skipped", category)
            case let .rejectedFrame(reason) where rejectionsAreRoutine: Log.debug("\(identity.key): frame rejected: \(reason)", category)
            case let .rejectedFrame(reason): Log.warning("\(identity.key): value rejected: \(reason)", category)
            case let .deviceInfo(key, value):
                Log.info("\(identity.key): \(key) = \(value)", category)
                board.deviceInfo(identity.key, key, value)
            }
        }
    }
}

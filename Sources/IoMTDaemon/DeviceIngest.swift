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

    /// Stores the output's readings (and its record mark unless `withMark` is false); false when the store refused
    /// them now (they wait in memory; a mark is then not written, so the device is asked again from the stored one).
    @discardableResult
    func deliver(_ output: DeviceOutput, receivedAt: Instant, normaliser: Normaliser, withMark: Bool = true) async -> Bool {
        log(output.events)
        let marks = withMark ? output.recordMark.map { [DeviceMarkUpdate(deviceKey: identity.key, mark: $0)] } ?? [] : []
        guard !output.measurements.isEmpty || !marks.isEmpty else { return true }
        let observations = output.measurements.map {
            normaliser.normalise($0, device: $0.sourceProfileId.flatMap { memberIdentities[$0] } ?? identity, patientId: patientId, receivedAt: receivedAt, sequenceNumber: output.sequenceNumber)
        }
        for held in observations where held.status.contains(.timeUntrusted) {
            Log.warning("\(identity.key): \(held.type.mdcRefId) reading held: its time (\(held.correctedTime.iso8601)) is not trustworthy", category)
        }
        let ids = await pipeline.accept(observations, marks: marks)
        if ids.count != observations.count { return false }
        if !ids.isEmpty, let latest = observations.map(\.correctedTime).max() {
            board.readingsStored(identity.key, count: ids.count, latest: latest)
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

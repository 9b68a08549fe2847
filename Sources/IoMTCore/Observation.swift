/// One normalised reading, ready to store, check against alerts and forward.
///
/// Carries everything the audit trail needs: the codes, the exact value, the three times
/// (device clock, gateway receipt, corrected time used for upload), status, device identity,
/// the patient binding and the raw frame it was decoded from.
public struct Observation: Sendable, Hashable, Codable {
    public var type: MeasurementType
    /// Exact value at the device's precision; nil when the device reported none (finger out, NaN, NRes).
    public var value: DecimalValue?
    /// UCUM unit code (`%`, `/min`, `mm[Hg]`, `kPa`, `Cel`, `kg`, `L`, `L/s`).
    public var unit: String
    /// Parts of a compound measurement (blood pressure: systolic, diastolic, mean).
    public var components: [ObservationComponent]
    public var status: MeasurementStatus
    /// The device's own clock reading for this measurement, if it sent one.
    public var deviceTime: CivilTime?
    /// When the gateway received the frame.
    public var receivedAt: Instant
    /// The time used for upload: device time corrected for the device's clock offset, else receipt time.
    public var correctedTime: Instant
    public var device: DeviceIdentity
    /// The patient this device was bound to when the reading arrived (nil: unbound, held back).
    public var patientId: String?
    /// The clinic binding that gave the reading its patient, as the store recorded it (nil: none did — held, or the
    /// reading carried its patient); what follows a binding (its demographics) is looked up by this, never re-decided.
    public var bindingId: Int64?
    /// The bytes the reading was decoded from, kept for audit.
    public var rawFrame: [UInt8]
    /// Periodic samples the reading carries (an overnight oximetry session's SpO2 and pulse rate), starting at its time.
    public var series: [SampleSeries]

    public init(type: MeasurementType, value: DecimalValue?, unit: String, components: [ObservationComponent] = [],
                status: MeasurementStatus = [], deviceTime: CivilTime? = nil, receivedAt: Instant,
                correctedTime: Instant, device: DeviceIdentity, patientId: String?, rawFrame: [UInt8], series: [SampleSeries] = [],
                bindingId: Int64? = nil) {
        self.type = type; self.value = value; self.unit = unit; self.components = components
        self.status = status; self.deviceTime = deviceTime; self.receivedAt = receivedAt
        self.correctedTime = correctedTime; self.device = device; self.patientId = patientId; self.rawFrame = rawFrame
        self.series = series; self.bindingId = bindingId
    }
}

/// One component of a compound observation.
public struct ObservationComponent: Sendable, Hashable, Codable {
    public var type: MeasurementType
    public var value: DecimalValue?
    public var unit: String
    public var status: MeasurementStatus

    public init(type: MeasurementType, value: DecimalValue?, unit: String, status: MeasurementStatus = []) {
        self.type = type; self.value = value; self.unit = unit; self.status = status
    }
}

extension Observation {
    /// Flags that label a reading as not a patient's real measurement (IEEE 11073-20601 MeasurementStatus).
    public static let testFlags: MeasurementStatus = [.testData, .demonstrationData]

    /// Test or demonstration data (a replay, the demo, a device in test mode), on the reading or any of its parts:
    /// its alerts never join a real episode and reach the alarm channels only when a technician asks.
    public var isTestData: Bool {
        !status.isDisjoint(with: Self.testFlags) || components.contains { !$0.status.isDisjoint(with: Self.testFlags) }
    }
}

/// Measurement-status flags: the IEEE 11073-20601 MeasurementStatus bits plus device conditions that
/// explain why a value is missing or doubtful. Serialised as kebab-case strings, sorted, so JSON
/// output is stable.
public enum StatusFlag: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    // IEEE 11073-20601 MeasurementStatus.
    case invalid
    case questionable
    case notAvailable = "not-available"
    case calibrationOngoing = "calibration-ongoing"
    case testData = "test-data"
    case demonstrationData = "demonstration-data"
    case validatedData = "validated-data"
    case earlyIndication = "early-indication"
    case measurementOngoing = "msmt-ongoing"
    // Device conditions (oximetry and cuffs), reported alongside the 11073 bits.
    case sensorOff = "sensor-off"            // finger out / probe off / sensor disconnected
    case searching                           // device searching for pulse
    case probeError = "probe-error"
    case lowSignal = "low-signal"            // weak signal / low perfusion
    case artifact
    case outOfTrack = "out-of-track"
    case deviceClockNotSet = "device-clock-not-set"
    // The reading's time cannot be trusted (an unset device clock, a corrected time in the future or long before
    // the device was first seen, an ambiguous clock epoch): kept and held, never attributed to a patient by time.
    case timeUntrusted = "time-untrusted"
    // The gateway's own clock was not synchronised (adjtimex STA_UNSYNC) when the reading arrived.
    case gatewayClockUnsynchronised = "gateway-clock-unsynchronised"
    // IEEE 11073-20601 FLOAT/SFLOAT special values: the value field held no number (GATT decoders).
    case notANumber = "not-a-number"
    case notAtThisResolution = "not-at-this-resolution"
    case positiveInfinity = "positive-infinity"
    case negativeInfinity = "negative-infinity"
    case reservedValue = "reserved-value"
    // Cuff conditions (Bluetooth Blood Pressure Measurement Status, GATT Specification Supplement).
    case bodyMovement = "body-movement"
    case cuffTooLoose = "cuff-too-loose"
    case irregularPulse = "irregular-pulse"
    case pulseRateAboveRange = "pulse-rate-above-range"
    case pulseRateBelowRange = "pulse-rate-below-range"
    case improperPosition = "improper-position"
    // A result beyond what the sensor can measure (Glucose Sensor Status Annunciation).
    case aboveMeasurementRange = "above-measurement-range"
    case belowMeasurementRange = "below-measurement-range"
    // Gateway conditions: a per-minute summary that replaced a stream's raw readings under storage pressure.
    case compactedSummary = "compacted-summary"
    // The gateway's own finding: a value outside what a living patient can show (MeasurementType.plausibleRange).
    // Set together with `invalid`; the value is kept for audit, raises no physiological alarm, and is not sent as a value.
    case implausible
    // The gateway's own finding: a stored recording (a device's session file) that its driver could not decode. The
    // reading carries no value, only the file's raw bytes for audit; it is never sent (set aside with
    // `Store.unreadableRecordingReason`) and a technical alert rule may name it.
    case unreadableRecording = "unreadable-recording"

    /// Flags that forbid attributing a reading to a patient by its time (clinic bindings skip such readings).
    public static let timeNotAttributable: Set<StatusFlag> = [.timeUntrusted, .gatewayClockUnsynchronised]

    public static func < (lhs: StatusFlag, rhs: StatusFlag) -> Bool { lhs.rawValue < rhs.rawValue }
}

public typealias MeasurementStatus = Set<StatusFlag>

extension Set where Element == StatusFlag {
    /// Stable, sorted string form for JSON and storage.
    public var sortedNames: [String] { self.sorted().map(\.rawValue) }
}

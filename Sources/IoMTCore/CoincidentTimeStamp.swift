/// The PHD IG Coincident Time Stamp (PhdCoincidentTimeStampObservation, MDC_ATTR_TIME_ABS 67975): the device's
/// clock as read beside the gateway's time at the read, so the receiver can compare the two timelines. Sent
/// whenever a device clock is read, before any set.
///
/// Stored as a reading whose time is the gateway's at the read and whose value is the device clock's offset
/// (device minus gateway, ms): the FHIR builder renders `valueDateTime` = time + offset. It carries no device
/// time of its own, so it never takes part in comparisons of device times.
public enum CoincidentTimeStamp {
    public static let type = MeasurementType(mdcRefId: "MDC_ATTR_TIME_ABS", mdcCode: 67975, loinc: nil,
                                             display: "Absolute time", defaultUnit: "ms")

    public static func measurement(_ reading: DeviceClockReading, rawFrame: [UInt8]) -> DecodedMeasurement {
        DecodedMeasurement(type: type, value: DecimalValue(significand: reading.offsetMilliseconds, exponent: 0), unit: "ms",
                           status: reading.clockUnset ? [.deviceClockNotSet] : [], deviceTime: nil, rawFrame: rawFrame)
    }

    /// The device's time at the read, from a stored stamp (nil for another type, or a value that is no whole ms).
    public static func deviceTime(of observation: Observation) -> Instant? {
        guard observation.type.mdcCode == type.mdcCode, let value = observation.value, value.exponent == 0 else { return nil }
        return observation.correctedTime.adding(milliseconds: value.significand)
    }
}

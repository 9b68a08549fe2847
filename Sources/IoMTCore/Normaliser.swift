/// Turns decoded measurements into observations: adds device identity, patient binding and the
/// gateway's times, and corrects the device's clock.
public struct Normaliser: Sendable {
    /// Device clock minus gateway clock, in milliseconds, when known (measured when the clock was read).
    public var deviceClockOffsetMilliseconds: Int64?
    /// UTC offset assumed for device clocks that carry none (the gateway's local zone).
    public var assumedDeviceUTCOffsetMinutes: Int

    public init(deviceClockOffsetMilliseconds: Int64? = nil, assumedDeviceUTCOffsetMinutes: Int = 0) {
        self.deviceClockOffsetMilliseconds = deviceClockOffsetMilliseconds
        self.assumedDeviceUTCOffsetMinutes = assumedDeviceUTCOffsetMinutes
    }

    public func normalise(_ measurement: DecodedMeasurement, device: DeviceIdentity, patientId: String?,
                          receivedAt: Instant) -> Observation {
        // Physiologically impossible values are flagged here, once, for every transport (MeasurementType+Plausibility).
        let components = measurement.components.map { component in
            var checked = component
            checked.status = component.status.checkingPlausibility(of: component.value, type: component.type, unit: component.unit)
            return checked
        }
        return Observation(type: measurement.type, value: measurement.value, unit: measurement.unit,
                    components: components,
                    status: measurement.status.checkingPlausibility(of: measurement.value, type: measurement.type, unit: measurement.unit),
                    deviceTime: measurement.deviceTime, receivedAt: receivedAt,
                    correctedTime: correctedTime(for: measurement, receivedAt: receivedAt),
                    device: device, patientId: patientId, rawFrame: measurement.rawFrame)
    }

    /// Device time shifted by the device's known clock offset; the receipt time when the device
    /// sent no time, its clock is not set, or its time is not a valid date.
    public func correctedTime(for measurement: DecodedMeasurement, receivedAt: Instant) -> Instant {
        guard let deviceTime = measurement.deviceTime, deviceTime.isValid,
              !measurement.status.contains(.deviceClockNotSet) else { return receivedAt }
        let asReported = deviceTime.instant(assumingOffsetMinutes: deviceTime.utcOffsetMinutes ?? assumedDeviceUTCOffsetMinutes)
        guard let offset = deviceClockOffsetMilliseconds else { return asReported }
        return asReported.adding(milliseconds: -offset)
    }
}

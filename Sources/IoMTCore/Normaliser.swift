/// Turns decoded measurements into observations: adds device identity, patient binding and the
/// gateway's times, and corrects the device's clock.
public struct Normaliser: Sendable {
    /// The device clock as last read, whether the gateway set it since, and the gateway's own synchronisation.
    public var clock = DeviceClockTrust()
    /// UTC offset assumed for device clocks that carry none (the gateway's local zone).
    public var assumedDeviceUTCOffsetMinutes: Int

    /// Device clock minus gateway clock, in milliseconds, when known (measured when the clock was read).
    public var deviceClockOffsetMilliseconds: Int64? { clock.lastRead?.offsetMilliseconds }

    public init(deviceClockOffsetMilliseconds: Int64? = nil, assumedDeviceUTCOffsetMinutes: Int = 0) {
        self.assumedDeviceUTCOffsetMinutes = assumedDeviceUTCOffsetMinutes
        if let offset = deviceClockOffsetMilliseconds {
            clock.clockRead(DeviceClockReading(deviceTime: CivilTime(instant: Instant(millisecondsSinceEpoch: 0), utcOffsetMinutes: 0),
                                               readAt: Instant(millisecondsSinceEpoch: 0), offsetMilliseconds: offset, clockUnset: false))
        }
    }

    /// `sequenceNumber`: the device's record number, when it numbers records (tells which clock stamped it).
    public func normalise(_ measurement: DecodedMeasurement, device: DeviceIdentity, patientId: String?,
                          receivedAt delivered: Instant, sequenceNumber: UInt16? = nil) -> Observation {
        // A window's own instant when the driver gave one (never later than its delivery).
        let receivedAt = measurement.takenAt.map { min($0, delivered) } ?? delivered
        let (corrected, trusted) = correctedTimeAndTrust(for: measurement, receivedAt: receivedAt, sequenceNumber: sequenceNumber)
        // Physiologically impossible values are flagged here, once, for every transport (MeasurementType+Plausibility).
        var status = measurement.status.checkingPlausibility(of: measurement.value, type: measurement.type, unit: measurement.unit)
        if !trusted { status.insert(.timeUntrusted) }
        // The gateway's own clock unsynchronised: the reading is never attributed to a patient by its time.
        if !clock.gatewaySynchronised { status.insert(.gatewayClockUnsynchronised) }
        let components = measurement.components.map { component in
            var checked = component
            checked.status = component.status.checkingPlausibility(of: component.value, type: component.type, unit: component.unit)
            return checked
        }
        return Observation(type: measurement.type, value: measurement.value, unit: measurement.unit,
                           components: components, status: status,
                           deviceTime: measurement.deviceTime, receivedAt: receivedAt, correctedTime: corrected,
                           device: device, patientId: patientId, rawFrame: measurement.rawFrame, series: measurement.series)
    }

    /// Device time shifted by the offset of the clock that stamped it; the receipt time when the device sent no time.
    public func correctedTime(for measurement: DecodedMeasurement, receivedAt: Instant) -> Instant {
        correctedTimeAndTrust(for: measurement, receivedAt: receivedAt).time
    }

    /// A measurement without a device time is live (its receipt time is right); one stamped by an unset clock,
    /// with an impossible date, or whose corrected time is implausible is not trusted — it keeps the best time
    /// known and is held, never re-stamped "now" silently.
    public func correctedTimeAndTrust(for measurement: DecodedMeasurement, receivedAt: Instant,
                                      sequenceNumber: UInt16? = nil) -> (time: Instant, trusted: Bool) {
        guard let deviceTime = measurement.deviceTime else { return (receivedAt, true) }
        guard deviceTime.isValid else { return (receivedAt, false) }
        let reported = deviceTime.instant(assumingOffsetMinutes: deviceTime.utcOffsetMinutes ?? assumedDeviceUTCOffsetMinutes)
        return clock.correct(reported: reported, stampedByUnsetClock: measurement.status.contains(.deviceClockNotSet),
                             receivedAt: receivedAt, sequenceNumber: sequenceNumber)
    }
}

import IoMTCore

/// Status bits of the Nonin serial formats (README.md, "Status byte").
public enum NoninStatus {
    // Format #2 STATUS byte (bit 7 always 1).
    public static let sensorDisconnect: UInt8 = 0x40  // SNSD
    public static let artifact: UInt8 = 0x20           // ARTF
    public static let outOfTrack: UInt8 = 0x10         // OOT
    public static let sensorAlarm: UInt8 = 0x08        // SNSA
    /// Bits 2-1: 01 green, 10 red, 11 yellow perfusion; 00 outside a pulse.
    public static let perfusionMask: UInt8 = 0x06
    public static let redPerfusion: UInt8 = 0x04
    public static let sync: UInt8 = 0x01

    // Format #8 STATUS byte (bit 7 always 1; bits 1-0 are pulse-rate bits 8-7).
    public static let format8SensorDisconnect: UInt8 = 0x40  // SNSD
    public static let format8OutOfTrack: UInt8 = 0x20        // OOT
    public static let format8LowPerfusion: UInt8 = 0x10      // LPRF
    public static let format8MarginalPerfusion: UInt8 = 0x08 // MPRF
    public static let format8Artifact: UInt8 = 0x04          // ARTF
    // Format #8 STATUS2 byte (bit 7 always 0).
    public static let format8SensorAlarm: UInt8 = 0x08       // SPA: sensor providing unusable data

    /// Format #2 status → (conditions that void a value, annotations reported with it).
    static func format2(_ status: UInt8) -> (conditions: MeasurementStatus, annotations: MeasurementStatus) {
        // Red = low signal quality; yellow (medium) and green (high) carry no flag.
        flags(sensorOff: status & sensorDisconnect != 0, outOfTrack: status & outOfTrack != 0, sensorAlarm: status & sensorAlarm != 0,
              artifact: status & artifact != 0, lowSignal: status & perfusionMask == redPerfusion)
    }

    static func format8(status: UInt8, status2: UInt8) -> (conditions: MeasurementStatus, annotations: MeasurementStatus) {
        flags(sensorOff: status & format8SensorDisconnect != 0, outOfTrack: status & format8OutOfTrack != 0,
              sensorAlarm: status2 & format8SensorAlarm != 0, artifact: status & format8Artifact != 0, lowSignal: status & format8LowPerfusion != 0)
    }

    /// The conditions both formats report, whatever their bit layout: sensor off, out of track and a sensor alarm void
    /// the value; an artifact (also questionable) and low perfusion (low signal) are reported with it.
    private static func flags(sensorOff: Bool, outOfTrack: Bool, sensorAlarm: Bool, artifact: Bool,
                              lowSignal: Bool) -> (conditions: MeasurementStatus, annotations: MeasurementStatus) {
        let conditions: [(Bool, StatusFlag)] = [(sensorOff, .sensorOff), (outOfTrack, .outOfTrack), (sensorAlarm, .probeError)]
        let annotations: [(Bool, StatusFlag)] = [(artifact, .artifact), (artifact, .questionable), (lowSignal, .lowSignal)]
        return (Set(conditions.filter(\.0).map(\.1)), Set(annotations.filter(\.0).map(\.1)))
    }
}

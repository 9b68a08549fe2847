import IoMTCore

/// Properties the Contec BLE oximeter reader keeps whatever the device notifies: checked by the fuzz target
/// (Fuzz/ContecOximeterBLE) and by the tests that replay its findings. Returns the first violation, or nil.
public enum ContecOximeterBLEInvariants {
    /// The first input byte sets the notification size (1–32 bytes, bits 0–4) and the time between notifications
    /// (250 ms × 1–8, bits 5–7, so windows close, heartbeats fall due and silences reach the restart); the rest is
    /// what FF02 notifies after link up, with a tick after every notification.
    public static func violation(in input: [UInt8]) -> String? {
        guard let (size, step, stream) = ContecNotificationReplay.split(input, stepUnitMs: 250) else { return nil }
        let (first, elapsed) = run(stream, size: size, step: step)
        if first != run(stream, size: size, step: step).outputs { return "reading is not deterministic" }
        let known = [ContecOximeterBLEProtocol.hello, ContecOximeterBLEProtocol.start, ContecOximeterBLEProtocol.heartbeat]
        var heartbeats = 0
        var lastTaken: [MeasurementType: Instant] = [:]
        for output in first {
            for write in output.writes {
                if write.service != ContecBLEFraming.service || write.characteristic != ContecBLEFraming.commandCharacteristic {
                    return "a write to \(write.characteristic.displayText), not FF01"
                }
                if !known.contains(write.value) { return "unknown command \(Hex.string(write.value, separator: " "))" }
                if write.value == ContecOximeterBLEProtocol.heartbeat { heartbeats += 1 }
            }
            if output.measurements.filter({ $0.type == .spo2 }).count != output.measurements.filter({ $0.type == .pulseRateOximetry }).count {
                return "a window without both its SpO2 and its pulse rate"
            }
            for measurement in output.measurements {
                if let problem = problem(with: measurement) { return problem }
                if let previous = lastTaken[measurement.type], let taken = measurement.takenAt, taken <= previous {
                    return "two \(measurement.type) windows share or reverse a time"
                }
                lastTaken[measurement.type] = measurement.takenAt
            }
        }
        if Int64(heartbeats) > elapsed / 1000 + 1 { return "\(heartbeats) heartbeats in \(elapsed) ms" }
        return nil
    }

    private static func problem(with measurement: DecodedMeasurement) -> String? {
        let frame = measurement.rawFrame
        guard frame.count == 8, frame.first == 0xEB, ContecBLEFraming.checksum(frame.prefix(7)) == frame[7] else {
            return "\(measurement.type) does not carry a valid live frame"
        }
        guard let value = measurement.value else {
            return measurement.status.contains(.notAvailable) ? nil : "\(measurement.type) has no value and is not marked not-available"
        }
        let range = measurement.type == .spo2 ? 1...100 : 1...254
        guard let number = Int(value.description), range.contains(number) else { return "\(measurement.type) \(value) is out of \(range)" }
        return nil
    }

    private static func run(_ stream: [UInt8], size: Int, step: Int64) -> (outputs: [DeviceOutput], elapsed: Int64) {
        var reader = ContecOximeterBLEReader()
        return ContecNotificationReplay.run(&reader, stream, size: size, stepMs: step)
    }
}

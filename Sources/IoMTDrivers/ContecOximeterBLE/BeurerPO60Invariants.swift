import IoMTCore

/// Properties the Beurer PO60 reader keeps whatever the device notifies: checked by the fuzz target (Fuzz/BeurerPO60) and
/// by the tests that replay its findings. Returns the first violation, or nil.
public enum BeurerPO60Invariants {
    /// The first input byte sets the notification size (1–32 bytes, bits 0–4) and the time between notifications
    /// (1–8 s, bits 5–7, so a transfer may end between two records); the rest is what FF02 notifies after link up,
    /// with a tick after every notification and quiet ticks at the end, so the last transfer completes.
    public static func violation(in input: [UInt8]) -> String? {
        guard let (size, step, stream) = ContecNotificationReplay.split(input, stepUnitMs: 1000) else { return nil }
        let first = run(stream, size: size, step: step, from: nil)
        if first.outputs != run(stream, size: size, step: step, from: nil).outputs { return "reading is not deterministic" }
        let known = [BeurerPO60Protocol.requestStored, BeurerPO60Protocol.sendStored]
        var mark: DeviceRecordMark?
        for output in first.outputs {
            for write in output.writes {
                if write.service != ContecBLEFraming.service || write.characteristic != ContecBLEFraming.commandCharacteristic {
                    return "a write to \(write.characteristic.displayText), not FF01"
                }
                if !known.contains(write.value) { return "unknown command \(Hex.string(write.value, separator: " "))" }
            }
            for measurement in output.measurements {
                if let problem = problem(with: measurement) { return problem }
            }
            let readings = output.measurements.map { "\($0.type.mdcRefId) \($0.deviceTime.map { $0.iso8601(withOffset: false, fractionDigits: 0) } ?? "-")" }
            if Set(readings).count != readings.count { return "one record reported twice in a transfer" }
            if let moved = output.recordMark {
                let reported = output.events.contains { if case .deviceInfo("storedMeasurement", _) = $0 { true } else { false } }
                guard reported else { return "the mark moved without a record reported" }
                mark = moved
            }
        }
        // The device re-sends everything: a second sync of one transfer from its mark finds nothing new. (Over several
        // transfers in one stream the mark may rightly go back: a later transfer without the marked record reads all.)
        let transfers = first.outputs.flatMap(\.events).filter { if case .deviceInfo("storedMeasurements", _) = $0 { true } else { false } }.count
        guard transfers == 1 else { return nil }
        let again = run(stream, size: size, step: step, from: mark)
        if let repeated = again.outputs.first(where: { !$0.measurements.isEmpty }) {
            return "a re-sync from the mark reported \(repeated.measurements.count) readings again"
        }
        return nil
    }

    private static func problem(with measurement: DecodedMeasurement) -> String? {
        guard let time = measurement.deviceTime, time.isValid else { return "\(measurement.type) without a calendar device time" }
        guard let value = measurement.value, let number = Int(value.description) else { return "\(measurement.type) without a whole value" }
        if measurement.type == .spo2 {
            guard (1...100).contains(number), measurement.status.isEmpty, measurement.rawFrame.first == BeurerPO60Protocol.measurementType else {
                return "SpO2 \(number) with status \(measurement.status) from a frame that is no E9 packet"
            }
        } else {
            guard measurement.type == .pulseRateOximetry else { return "a \(measurement.type) reading: only SpO2 and pulse rate are read" }
            guard (1...127).contains(number), measurement.status.contains(.questionable) else {
                return "pulse rate \(number) of \(measurement.type) not 1-127 or not questionable"
            }
        }
        return nil
    }

    /// Six quiet seconds before link down: the last transfer completes (its mark moves as in a real sync).
    private static func run(_ stream: [UInt8], size: Int, step: Int64, from mark: DeviceRecordMark?) -> (outputs: [DeviceOutput], elapsed: Int64) {
        var reader = BeurerPO60Reader()
        reader.resume(from: mark)
        return ContecNotificationReplay.run(&reader, stream, size: size, stepMs: step, quietTicks: 6)
    }
}

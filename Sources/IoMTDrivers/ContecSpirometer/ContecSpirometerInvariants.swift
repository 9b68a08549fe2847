import IoMTCore

/// Properties the Contec spirometer reader keeps whatever the device notifies: checked by the fuzz target
/// (Fuzz/ContecSpirometer) and by the test that replays its findings. Returns the first violation, or nil.
public enum ContecSpirometerInvariants {
    /// The first input byte sets the notification size (1–32 bytes) and whether a mark is resumed from; the rest is
    /// what FF02 notifies after link up, with a tick every notification (ten seconds apart, so timeouts are reached).
    public static func violation(in input: [UInt8]) -> String? {
        guard let control = input.first else { return nil }
        let size = Int(control & 0x1F) + 1
        let mark = control & 0x20 != 0 ? DeviceRecordMark(sequenceNumber: 2, deviceTime: CivilTime(year: 2026, month: 1, day: 2)) : nil
        let stream = Array(input.dropFirst())
        let first = run(stream, size: size, mark: mark)
        if first != run(stream, size: size, mark: mark) { return "reading is not deterministic" }
        for output in first {
            for write in output.writes {
                if write.service != ContecSpirometerProtocol.service || write.characteristic != ContecSpirometerProtocol.commandCharacteristic {
                    return "a write to \(write.characteristic.displayText), not FF01"
                }
                guard let sum = write.value.last, write.value.count >= 2, write.value[0] & 0x80 != 0,
                      write.value.dropFirst().allSatisfy({ $0 & 0x80 == 0 }),
                      ContecSpirometerProtocol.checksum(write.value.dropLast()) == sum else {
                    return "malformed command \(Hex.string(write.value, separator: " "))"
                }
            }
            if output.measurements.isEmpty != (output.recordMark == nil) { return "readings and their record mark part ways" }
            for measurement in output.measurements {
                if measurement.value == nil { return "\(measurement.type) has no value" }
                if measurement.deviceTime == nil { return "\(measurement.type) has no device time" }
                if measurement.rawFrame.count != 44 || measurement.rawFrame.first != 0xE1 { return "\(measurement.type) does not carry its E1 frame" }
            }
        }
        return nil
    }

    private static func run(_ stream: [UInt8], size: Int, mark: DeviceRecordMark?) -> [DeviceOutput] {
        var reader = ContecSpirometerReader()
        reader.resume(from: mark)
        return reader.notifiedRun(stream, on: ContecSpirometerProtocol.answerCharacteristic, size: size, stepMs: 10_000)
    }
}

import IoMTCore

/// Properties the Viatom "Oxy" reader keeps whatever the device notifies: checked by the fuzz target (Fuzz/ViatomOxy)
/// and by the test that replays its findings. Returns the first violation, or nil.
public enum ViatomOxyInvariants {
    /// The first input byte sets the notification size (1–32 bytes) and whether a mark is resumed from (bit 5); the rest
    /// is what the device notifies after link up, each notification followed by a tick two seconds later (so the answer
    /// timeout and the polls are reached).
    public static func violation(in input: [UInt8]) -> String? {
        guard let control = input.first else { return nil }
        let size = Int(control & 0x1F) + 1
        let mark = control & 0x20 != 0 ? DeviceRecordMark(sequenceNumber: 0, deviceTime: CivilTime(year: 2026, month: 1, day: 2, hour: 22)) : nil
        let stream = Array(input.dropFirst())
        let first = run(stream, size: size, mark: mark)
        if first != run(stream, size: size, mark: mark) { return "reading is not deterministic" }
        var lastMark = mark.map(order)
        for output in first {
            if let problem = writeViolation(output.writes) { return problem }
            let stored = output.measurements.filter { $0.deviceTime != nil }
            if !stored.isEmpty, output.recordMark == nil { return "session readings without their record mark" }
            // A session that does not decode keeps the mark's time and counts the attempt in its sequence number.
            if let next = output.recordMark.map(order) {
                if let last = lastMark, !(next.time > last.time || next.time == last.time && next.attempts > last.attempts) {
                    return "the record mark went back or stood still"
                }
                lastMark = next
            }
            for measurement in output.measurements {
                if !measurement.series.isEmpty {
                    if measurement.value != nil || measurement.deviceTime == nil { return "a session reading with a value or without its start" }
                    for series in measurement.series {
                        if series.type == .spo2, series.samples.contains(where: { $0.map { !(1...100).contains($0) } ?? false }) { return "an SpO2 sample out of range" }
                        if series.type == .pulseRateOximetry, series.samples.contains(where: { ($0 ?? 1) <= 0 }) { return "a pulse-rate sample ≤ 0" }
                    }
                    continue
                }
                if measurement.status.contains(.unreadableRecording) {
                    if measurement.value != nil || measurement.rawFrame.isEmpty { return "an unreadable session with a value or without its raw file" }
                    continue
                }
                guard let value = measurement.value, let integer = Int(value.description) else { return "\(measurement.type) without an integer value" }
                if measurement.type == .spo2, !(1...100).contains(integer) { return "SpO2 \(integer) out of range" }
                if measurement.type == .pulseRateOximetry, integer <= 0 { return "pulse rate \(integer)" }
            }
        }
        return nil
    }

    /// Every write goes to the request characteristic in pieces of at most 20 bytes, and one output's writes are whole
    /// request packets (0xAA, command, its complement, block, length, data, CRC-8).
    static func writeViolation(_ writes: [GATTWrite]) -> String? {
        var bytes: [UInt8] = []
        for write in writes {
            if write.service != ViatomOxyReader.service || write.characteristic != ViatomOxyReader.writeCharacteristic {
                return "a write to \(write.characteristic.displayText)"
            }
            if write.value.isEmpty || write.value.count > ViatomOxyPacket.writeChunkLength { return "a write of \(write.value.count) bytes" }
            bytes += write.value
        }
        while !bytes.isEmpty {
            guard bytes.count >= ViatomOxyPacket.headerLength + 1, bytes[0] == ViatomOxyPacket.requestSync, bytes[1] == ~bytes[2] else {
                return "malformed request \(Hex.string(Array(bytes.prefix(16)), separator: " "))"
            }
            let total = ViatomOxyPacket.headerLength + (Int(bytes[5]) | Int(bytes[6]) << 8) + 1
            guard bytes.count >= total, ViatomOxyPacket.crc8(bytes[0..<(total - 1)]) == bytes[total - 1] else { return "a request with a bad length or CRC" }
            bytes.removeFirst(total)
        }
        return nil
    }

    /// A mark in download order: its session's start (none: before every session), then the failed attempts on the next.
    private static func order(_ mark: DeviceRecordMark) -> (time: Int64, attempts: Int) {
        (mark.deviceTime.map(\.deviceClockOrder) ?? Int64.min, Int(mark.sequenceNumber))
    }

    private static func run(_ stream: [UInt8], size: Int, mark: DeviceRecordMark?) -> [DeviceOutput] {
        var reader = ViatomOxyReader()
        reader.resume(from: mark)
        return reader.notifiedRun(stream, on: ViatomOxyReader.notifyCharacteristic, size: size, stepMs: 2000)
    }
}

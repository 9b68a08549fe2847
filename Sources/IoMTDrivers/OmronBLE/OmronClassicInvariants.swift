import IoMTCore

/// Properties the Omron classic reader keeps whatever the cuff notifies: checked by the fuzz target (Fuzz/OmronClassic)
/// and the tests. Returns the first violation, or nil.
public enum OmronClassicInvariants {
    /// The first input byte picks the model (bits 0–1) and whether user 1 (bit 2) and user 2 (bit 3) resume from a mark; the
    /// rest is notifications, each a header byte (bits 0–2: RX channel 0–3, or 4 the unlock characteristic; bits 3–7:
    /// its length 0–31) and its bytes, with a tick 600 ms later after each.
    public static func violation(in input: [UInt8]) -> String? {
        guard let control = input.first else { return nil }
        let map = OmronMemoryMap.catalog[Int(control & 0x03) % OmronMemoryMap.catalog.count]
        let options = OmronClassicReader.Options(map: map)
        let mark = DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 1, day: 2, hour: 3, minute: 4))
        var marks: [String: DeviceRecordMark] = [:]
        if control & 0x04 != 0 { marks[OmronClassicReader.subDevice(user: 1)] = mark }
        if control & 0x08 != 0 { marks[OmronClassicReader.subDevice(user: 2)] = mark }
        let stream = Array(input.dropFirst())
        let first = run(stream, options: options, marks: marks)
        if first != run(stream, options: options, marks: marks) { return "reading is not deterministic" }
        let slots = Dictionary(uniqueKeysWithValues: map.users.enumerated().map { (OmronClassicReader.subDevice(user: $0 + 1), $1.records) })
        let clockAddress = map.settingsWriteAddress &+ UInt16(map.timeRange.lowerBound)
        let fe4a = map.stack == .fe4a
        for output in first {
            var transmitted: [UInt8] = []
            for write in output.writes {
                guard write.service == (fe4a ? OmronFE4AGATT.service : OmronClassicGATT.service) else { return "a write outside the Omron service" }
                if write.characteristic == OmronClassicGATT.unlock {
                    let wellFormed = fe4a ? write.value.count == 20 && write.value[0] == 0x11 : write.value.count == 17 && [0, 1, 2].contains(write.value[0])
                    guard wellFormed else { return "malformed unlock write \(Hex.string(write.value, separator: " "))" }
                    continue
                }
                if fe4a {
                    // One write, one whole packet, on the one TX channel.
                    guard write.characteristic == OmronFE4AGATT.transmit, transmitted.isEmpty else { return "an FE4A write to \(write.characteristic.displayText) or a packet in pieces" }
                    transmitted = write.value
                    continue
                }
                guard let channel = OmronClassicGATT.transmit.firstIndex(of: write.characteristic) else { return "a write to \(write.characteristic.displayText), not a TX channel" }
                guard write.value.count <= 16, channel == transmitted.count / 16, transmitted.count % 16 == 0 else { return "a piece out of order on TX\(channel)" }
                transmitted += write.value
            }
            if !transmitted.isEmpty {
                guard let packet = try? OmronPacket.parse(transmitted), packet.bytes == transmitted else { return "a malformed request \(Hex.string(transmitted, separator: " "))" }
                // Only the settings' time bytes are ever written: never the unread counter, never a record.
                if packet.kind == .write, packet.address != clockAddress { return "a memory write at \(Hex.word(packet.address, uppercase: true))" }
            }
            // Each user's readings go with that user's mark, never another's: the user areas are bound apart.
            if output.recordMark != nil { return "a device-wide mark: each user area has its own" }
            let parts = Set(output.measurements.map { $0.subDevice ?? "none" })
            if parts != Set(output.subDeviceMarks.keys) { return "readings of \(parts.sorted()) with marks of \(output.subDeviceMarks.keys.sorted())" }
            for (part, mark) in output.subDeviceMarks {
                guard let count = slots[part] else { return "a mark of \(part), not a user area of the \(map.model)" }
                if Int(mark.sequenceNumber) >= count { return "\(part) mark \(mark.sequenceNumber) beyond \(count) slots" }
            }
            for measurement in output.measurements where measurement.deviceTime == nil { return "\(measurement.type) has no device time" }
        }
        return nil
    }

    private static func run(_ stream: [UInt8], options: OmronClassicReader.Options, marks: [String: DeviceRecordMark]) -> [DeviceOutput] {
        var reader = OmronClassicReader(options: options)
        reader.resume(subDeviceMarks: marks)
        var time = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        var outputs = [reader.handle(.linkUp, at: time)]
        var offset = 0
        while offset < stream.count {
            let header = stream[offset]
            let end = min(stream.count, offset + 1 + Int(header >> 3))
            let bytes = Array(stream[(offset + 1)..<max(offset + 1, end)])
            let channel = Int(header & 0x07)
            let characteristic = channel < 4 ? OmronClassicGATT.receive[channel] : OmronClassicGATT.unlock
            outputs.append(reader.handle(.value(characteristic: characteristic, bytes: bytes), at: time))
            time = time.adding(milliseconds: 600)
            outputs.append(reader.handle(.tick, at: time))
            offset = end
        }
        outputs.append(reader.handle(.linkDown, at: time))
        for map in OmronMemoryMap.catalog { _ = try? OmronRecord.decode(Array(stream.prefix(map.recordSize)), map: map, user: 1) }
        return outputs
    }
}

import IoMTCore

/// Properties the Omron classic reader keeps whatever the cuff notifies: checked by the fuzz target (Fuzz/OmronClassic)
/// and the tests. Returns the first violation, or nil.
public enum OmronClassicInvariants {
    /// The first input byte picks the model (bits 0–1), whether a mark is resumed from (bit 2) and the user (bit 3); the
    /// rest is notifications, each a header byte (bits 0–2: RX channel 0–3, or 4 the unlock characteristic; bits 3–7:
    /// its length 0–31) and its bytes, with a tick 600 ms later after each.
    public static func violation(in input: [UInt8]) -> String? {
        guard let control = input.first else { return nil }
        let map = OmronMemoryMap.catalog[Int(control & 0x03) % OmronMemoryMap.catalog.count]
        var options = OmronClassicReader.Options(map: map)
        options.user = control & 0x08 != 0 ? 2 : 1
        let mark = control & 0x04 != 0 ? DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 1, day: 2, hour: 3, minute: 4)) : nil
        let stream = Array(input.dropFirst())
        let first = run(stream, options: options, mark: mark)
        if first != run(stream, options: options, mark: mark) { return "reading is not deterministic" }
        let slots = map.users[options.user - 1].records
        let clockAddress = map.settingsWriteAddress &+ UInt16(map.timeRange.lowerBound)
        for output in first {
            var transmitted: [UInt8] = []
            for write in output.writes {
                guard write.service == OmronClassicGATT.service else { return "a write outside the Omron service" }
                if write.characteristic == OmronClassicGATT.unlock {
                    guard write.value.count == 17, [0, 1, 2].contains(write.value[0]) else { return "malformed unlock write \(Hex.string(write.value, separator: " "))" }
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
            if output.measurements.isEmpty != (output.recordMark == nil) { return "readings and their record mark part ways" }
            if let mark = output.recordMark, Int(mark.sequenceNumber) >= slots { return "mark \(mark.sequenceNumber) beyond \(slots) slots" }
            for measurement in output.measurements where measurement.deviceTime == nil { return "\(measurement.type) has no device time" }
        }
        return nil
    }

    private static func run(_ stream: [UInt8], options: OmronClassicReader.Options, mark: DeviceRecordMark?) -> [DeviceOutput] {
        var reader = OmronClassicReader(options: options)
        reader.resume(from: mark)
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

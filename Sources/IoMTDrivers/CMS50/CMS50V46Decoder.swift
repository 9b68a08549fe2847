import IoMTCore

/// Decodes one v4.6 live frame (see README.md, "Firmware v4.6").
///
/// Byte 1 is `0x80 | carry`: bit n of `carry` is bit 7 of byte n+2, because every byte after the
/// first travels with bit 7 forced to 1. Restored bytes: 2 = status (signal strength bits 0-3, beat
/// marker 0x40, finger out 0x80), 3 = pleth (searching 0x80), 4 = second waveform, 5 = pulse rate,
/// 6 = SpO2, 7 and 8 = 0xFF filler.
public enum CMS50V46Decoder {
    public static func decode(_ frame: [UInt8]) -> CMS50Sample? {
        guard frame.count == CMS50V46Framer.frameLength, frame[0] == CMS50V46Layout.liveDataType,
              frame.dropFirst().allSatisfy({ $0 & 0x80 != 0 }) else { return nil }
        let restored = restore(frame)
        var conditions: MeasurementStatus = []
        if restored[2] & 0x80 != 0 { conditions.insert(.sensorOff) }
        if restored[3] & 0x80 != 0 { conditions.insert(.searching) }
        return CMS50Sample(spo2: CMS50Sample.validSpO2(Int(restored[6])), pulseRate: CMS50Sample.validPulseRate(Int(restored[5])),
                           signalStrength: Int(restored[2] & 0x0F), conditions: conditions, frame: frame)
    }

    /// The frame with bit 7 of bytes 2-8 taken from the carry byte (byte 1).
    public static func restore(_ frame: [UInt8]) -> [UInt8] {
        var bytes = frame
        let carry = frame[1]
        for index in 2..<frame.count {
            let bit7: UInt8 = (carry >> UInt8(index - 2)) & 1 == 1 ? 0x80 : 0
            bytes[index] = frame[index] & 0x7F | bit7
        }
        return bytes
    }

    /// Builds the 9-byte command `7D 81 <command> 80 80 80 80 80 80` (parameters all zero).
    public static func command(_ code: UInt8) -> [UInt8] {
        [0x7D, 0x81, code, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]
    }

    /// Starts (and, re-sent, keeps alive) the live data stream.
    public static let startLiveData = command(0xA1)
}

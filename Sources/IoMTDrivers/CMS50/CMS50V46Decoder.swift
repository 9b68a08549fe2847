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
        let restored = CMS50V46Packet.restore(frame)
        var conditions: MeasurementStatus = []
        if restored[2] & 0x80 != 0 { conditions.insert(.sensorOff) }
        if restored[3] & 0x80 != 0 { conditions.insert(.searching) }
        return CMS50Sample(spo2: CMS50Sample.validSpO2(Int(restored[6])), pulseRate: CMS50Sample.validPulseRate(Int(restored[5])),
                           signalStrength: Int(restored[2] & 0x0F), conditions: conditions, frame: frame)
    }

    /// Starts (and, re-sent, keeps alive) the live data stream.
    public static let startLiveData = CMS50V46Packet.command(0xA1)
}

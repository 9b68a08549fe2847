import IoMTCore

/// Decodes one older-firmware live frame (see README.md, "Older firmware").
public enum CMS50LegacyDecoder {
    /// `frame` must be a frame from `CMS50LegacyFramer` (5 bytes, sync rule satisfied); returns nil otherwise.
    public static func decode(_ frame: [UInt8]) -> CMS50Sample? {
        guard frame.count == CMS50LegacyFramer.frameLength, frame[0] & 0x80 != 0,
              frame.dropFirst().allSatisfy({ $0 & 0x80 == 0 }) else { return nil }
        var conditions: MeasurementStatus = []
        if frame[0] & 0x10 != 0 { conditions.insert(.sensorOff) }   // finger out / probe off
        if frame[2] & 0x10 != 0 { conditions.insert(.probeError) }
        if frame[2] & 0x20 != 0 { conditions.insert(.searching) }
        // Byte 2 bit 6 is bit 7 of the pulse rate: rates above 127 need it.
        let pulse = Int(frame[2] & 0x40) << 1 | Int(frame[3] & 0x7F)
        let spo2 = Int(frame[4] & 0x7F)
        return CMS50Sample(spo2: CMS50Sample.validSpO2(spo2), pulseRate: CMS50Sample.validPulseRate(pulse),
                           signalStrength: Int(frame[0] & 0x0F), conditions: conditions, frame: frame)
    }
}

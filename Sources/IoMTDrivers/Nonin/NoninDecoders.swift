import IoMTCore

/// Decodes one format #2 packet (25 frames from `NoninPacketAssembler`). The FLOAT byte (byte 3)
/// of frame n carries a different value per frame: 1 HR MSB, 2 HR LSB, 3 SpO2 (4-beat averages,
/// standard mode); the others (revision, display and 8-beat values) are not reported.
public enum NoninFormat2Decoder {
    public static func decode(_ packet: [[UInt8]]) -> NoninSample? {
        guard packet.count == NoninPacketAssembler.framesPerPacket,
              packet.allSatisfy({ $0.count == NoninFormat2Framer.frameLength && $0[0] == NoninFormat2Framer.startByte
                                  && $0[1] & 0x80 != 0 && NoninFormat2Framer.checksum($0[0..<4]) == $0[4] }),
              packet[0][1] & NoninStatus.sync != 0 else { return nil }
        var conditions: MeasurementStatus = []
        var annotations: MeasurementStatus = []
        for frame in packet {
            let flags = NoninStatus.format2(frame[1])
            conditions.formUnion(flags.conditions)
            annotations.formUnion(flags.annotations)
        }
        let pulse = NoninSample.pulseRate(high: packet[0][3], low: packet[1][3])
        let spo2 = Int(packet[2][3] & 0x7F)
        return NoninSample(spo2: NoninSample.validSpO2(spo2), pulseRate: NoninSample.validPulseRate(pulse),
                           conditions: conditions, annotations: annotations, frame: packet.flatMap { $0 })
    }
}

/// Decodes one format #8 frame: `STATUS HR-LSB SpO2 STATUS2` (STATUS bits 1-0 = HR bits 8-7).
public enum NoninFormat8Decoder {
    public static func decode(_ frame: [UInt8]) -> NoninSample? {
        guard frame.count == NoninFormat8Framer.frameLength, frame[0] & 0x80 != 0,
              frame.dropFirst().allSatisfy({ $0 & 0x80 == 0 }) else { return nil }
        let flags = NoninStatus.format8(status: frame[0], status2: frame[3])
        let pulse = NoninSample.pulseRate(high: frame[0], low: frame[1])
        return NoninSample(spo2: NoninSample.validSpO2(Int(frame[2])), pulseRate: NoninSample.validPulseRate(pulse),
                           conditions: flags.conditions, annotations: flags.annotations, frame: frame)
    }
}

/// Data format #8 (9600 8N1, one frame per second): 4 bytes, only the first has bit 7 set. No checksum: a
/// candidate cut short is dropped (its bytes counted as discarded).
public enum NoninFormat8Layout: SyncBitFrameLayout {
    public static let frameLength = 4
    public static let startBitSet = true
}

public typealias NoninFormat8Framer = SyncBitFramer<NoninFormat8Layout>

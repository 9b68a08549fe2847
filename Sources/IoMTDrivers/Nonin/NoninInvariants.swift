import IoMTCore

/// Properties every Nonin byte stream must keep, whatever the bytes: checked by the fuzz targets
/// (Fuzz/NoninFormat2Framer, Fuzz/NoninFormat8Framer) and their regression tests. Returns a
/// description of the first violation, or nil.
public enum NoninInvariants {
    public enum Format: Sendable { case format2, format8 }

    public static func violation(in bytes: [UInt8], format: Format) -> String? {
        // Split point from the data itself, so the fuzzer explores torn chunks too.
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let whole = frames([bytes], format: format)
        let parts = frames([Array(bytes[..<split]), Array(bytes[split...])], format: format)
        if whole.frames != parts.frames { return "chunking changed the frames" }
        if whole.discarded != parts.discarded { return "chunking changed the discarded byte count" }
        let length = format == .format2 ? NoninFormat2Framer.frameLength : NoninFormat8Framer.frameLength
        if whole.discarded + whole.frames.count * length + whole.pending != bytes.count {
            return "bytes lost: \(whole.discarded) discarded + \(whole.frames.count) frames + \(whole.pending) pending != \(bytes.count)"
        }
        var carried: Set<Int> = []
        switch format {
        case .format2:
            for frame in whole.frames where frame[0] != 0x01 || frame[1] & 0x80 == 0 || NoninFormat2Framer.checksum(frame[0..<4]) != frame[4] {
                return "framer emitted a frame that fails the start or checksum rule: \(Hex.string(frame))"
            }
            var assembler = NoninPacketAssembler()
            for packet in assembler.push(whole.frames) {
                guard let sample = NoninFormat2Decoder.decode(packet) else { return "assembler emitted an undecodable packet" }
                carried.formUnion([sample.spo2, sample.pulseRate].compactMap { $0 })
            }
        case .format8:
            for frame in whole.frames {
                guard let sample = NoninFormat8Decoder.decode(frame) else { return "framer emitted an undecodable frame \(Hex.string(frame))" }
                carried.formUnion([sample.spo2, sample.pulseRate].compactMap { $0 })
            }
        }
        // The session over the same bytes must report only values some packet or frame carried.
        var session: any ByteStreamDriver = format == .format2
            ? NoninFormat2Session(reportIntervalMs: 1000, selectsFormat: false) : NoninFormat8Session(reportIntervalMs: 1000, selectsFormat: false)
        let start = Instant(millisecondsSinceEpoch: 0)
        var output = session.ingest(Array(bytes[..<split]), at: start)
        output.append(session.ingest(Array(bytes[split...]), at: start.adding(milliseconds: 400)))
        output.append(session.finish(at: start.adding(milliseconds: 800)))
        return OximetryOutputInvariant.violation(in: output.measurements, carried: carried)
    }

    private static func frames(_ chunks: [[UInt8]], format: Format) -> (frames: [[UInt8]], discarded: Int, pending: Int) {
        format == .format2 ? NoninFormat2Framer.framing(chunks) : NoninFormat8Framer.framing(chunks)
    }
}

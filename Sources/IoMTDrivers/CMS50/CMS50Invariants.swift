import IoMTCore

/// Properties every CMS50 byte stream must keep, whatever the bytes: checked by the fuzz targets
/// (Fuzz/) and by the regression tests that replay their findings. Returns a description of the
/// first violation, or nil.
public enum CMS50Invariants {
    public enum Generation: Sendable { case legacy, v46 }

    public static func violation(in bytes: [UInt8], generation: Generation) -> String? {
        // Split point from the data itself, so the fuzzer explores torn chunks too.
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let whole = frames(bytes, generation: generation)
        let parts = frames(Array(bytes[..<split]), Array(bytes[split...]), generation: generation)
        if whole.frames != parts.frames { return "chunking changed the frames" }
        if whole.discarded != parts.discarded { return "chunking changed the discarded byte count" }
        if whole.discarded + whole.frames.count * frameLength(generation) + whole.pending != bytes.count {
            return "bytes lost: \(whole.discarded) discarded + \(whole.frames.count) frames + \(whole.pending) pending != \(bytes.count)"
        }
        for frame in whole.frames {
            guard let sample = decode(frame, generation: generation) else { return "framer emitted an undecodable frame \(Hex.string(frame))" }
            if let spo2 = sample.spo2, !(1...100).contains(spo2) { return "SpO2 \(spo2) out of range" }
            if let pulse = sample.pulseRate, !(1...254).contains(pulse) { return "pulse \(pulse) out of range" }
        }
        // The session over the same bytes must report only values that some frame carried.
        var session: any ByteStreamDriver = generation == .legacy
            ? CMS50LegacySession(reportIntervalMs: 1000) : CMS50V46Session(reportIntervalMs: 1000, keepAliveIntervalMs: 5000)
        let start = Instant(millisecondsSinceEpoch: 0)
        var output = session.ingest(Array(bytes[..<split]), at: start)
        output.append(session.ingest(Array(bytes[split...]), at: start.adding(milliseconds: 400)))
        output.append(session.finish(at: start.adding(milliseconds: 800)))
        let carried = Set(whole.frames.compactMap { decode($0, generation: generation) }.flatMap { [$0.spo2, $0.pulseRate] }.compactMap { $0 })
        if let violation = OximetryOutputInvariant.violation(in: output.measurements, carried: carried) { return violation }
        if whole.frames.isEmpty, !output.measurements.isEmpty { return "measurements without frames" }
        return nil
    }

    private static func frameLength(_ generation: Generation) -> Int {
        generation == .legacy ? CMS50LegacyFramer.frameLength : CMS50V46Framer.frameLength
    }

    private static func decode(_ frame: [UInt8], generation: Generation) -> CMS50Sample? {
        generation == .legacy ? CMS50LegacyDecoder.decode(frame) : CMS50V46Decoder.decode(frame)
    }

    private static func frames(_ chunks: [UInt8]..., generation: Generation) -> (frames: [[UInt8]], discarded: Int, pending: Int) {
        generation == .legacy ? CMS50LegacyFramer.framing(chunks) : CMS50V46Framer.framing(chunks)
    }
}

import IoMTCore

/// Properties the stored-data path (`CMS50V46PacketFramer`, `CMS50V46Answer`, `CMS50StoredDataSession`) keeps whatever the
/// device sends: checked by the v4.6 fuzz target and its regression tests. Returns the first violation, or nil.
public enum CMS50StoredDataInvariants {
    public static func violation(in bytes: [UInt8]) -> String? {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var whole = CMS50V46PacketFramer(), parts = CMS50V46PacketFramer()
        let packets = whole.push(bytes)
        if parts.push(Array(bytes[..<split])) + parts.push(Array(bytes[split...])) != packets { return "chunking changed the packages" }
        if whole.discardedBytes != parts.discardedBytes { return "chunking changed the discarded byte count" }
        let framed = packets.reduce(0) { $0 + $1.count }
        if whole.discardedBytes + framed + whole.pendingByteCount != bytes.count { return "package bytes lost" }
        for packet in packets {
            guard let answer = CMS50V46Answer.decode(packet) else { return "framer emitted an undecodable package \(Hex.string(packet))" }
            if case let .storedData(samples, _) = answer, let bad = samples.first(where: { !inRange($0.spo2, $0.pulseRate) }) {
                return "stored sample out of range: \(bad)"
            }
        }
        // The session fed the bytes as answers, with ticks past every deadline: no delete ever, only commands of the
        // protocol's shape, only values in range, and live data asked for again in the end.
        var options = CMS50StoredDownload.Options()
        options.lengthUnit = bytes.count % 2 == 0 ? .bytes : .samples
        var session = CMS50StoredDataSession(reportIntervalMs: 1000, keepAliveIntervalMs: 5000, download: options)
        let start = Instant(millisecondsSinceEpoch: 0)
        var output = session.start(at: start)
        output.append(session.ingest(Array(bytes[..<split]), at: start.adding(milliseconds: 100)))
        output.append(session.ingest(Array(bytes[split...]), at: start.adding(milliseconds: 200)))
        for second in 1...12 { output.append(session.tick(at: start.adding(milliseconds: Int64(second) * 2500))) }
        output.append(session.finish(at: start.adding(milliseconds: 40_000)))
        for command in output.byteCommands {
            if command.count != 9 || command[0] != 0x7D { return "a command not of the 7D form: \(Hex.string(command))" }
            if command[2] == 0xAE { return "the delete command (AE) was sent" }
        }
        if !output.byteCommands.contains(CMS50V46Decoder.startLiveData) { return "live data never asked for again" }
        for measurement in output.measurements {
            for series in measurement.series {
                let range = series.type == .spo2 ? 1...100 : 1...254
                if let bad = series.samples.compactMap({ $0 }).first(where: { !range.contains($0) }) { return "series value \(bad) out of range" }
            }
        }
        return nil
    }

    private static func inRange(_ spo2: Int?, _ pulse: Int?) -> Bool {
        (spo2.map { (1...100).contains($0) } ?? true) && (pulse.map { (1...254).contains($0) } ?? true)
    }
}

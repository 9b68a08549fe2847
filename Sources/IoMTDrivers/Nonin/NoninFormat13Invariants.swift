import IoMTCore

/// Properties the data format #13 framer and session keep whatever the bytes: checked by Fuzz/NoninFormat13Framer and
/// its regression tests. Returns the first violation, or nil.
public enum NoninFormat13Invariants {
    public static func violation(in bytes: [UInt8]) -> String? {
        // Split point from the data itself, so the fuzzer explores torn packets too.
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var whole = NoninFormat13Framer()
        let wholePackets = whole.push(bytes)
        var parts = NoninFormat13Framer()
        let partPackets = parts.push(Array(bytes[..<split])) + parts.push(Array(bytes[split...]))
        if wholePackets.map(\.packet) != partPackets.map(\.packet) { return "chunking changed the packets" }
        if whole.discardedBytes != parts.discardedBytes { return "chunking changed the discarded byte count" }
        let packetBytes = wholePackets.reduce(0) { $0 + $1.packet.count }
        if whole.discardedBytes + packetBytes + whole.pendingByteCount != bytes.count {
            return "bytes lost: \(whole.discardedBytes) discarded + \(packetBytes) in packets + \(whole.pendingByteCount) pending != \(bytes.count)"
        }
        var carried: Set<Int> = []
        for (packet, data) in wholePackets {
            guard packet.starts(with: NoninFormat13.header), packet.last == 0x03,
                  packet[packet.count - 2] == packet[data].reduce(UInt8(0), { $0 &+ $1 }),
                  data.count >= NoninFormat13.minimumDataLength, data.count <= NoninFormat13.maximumDataLength else {
                return "framer emitted a packet that fails the header, length, checksum or ETX rule: \(Hex.string(packet))"
            }
            guard let check = NoninFormat13.decode(data: packet[data], packet: packet) else { return "framer emitted an undecodable packet" }
            carried.formUnion([check.spo2, check.pulseRate].compactMap { $0 })
        }
        var session = NoninFormat13Session(selectsFormat: false)
        let start = Instant(millisecondsSinceEpoch: 0)
        var output = session.ingest(Array(bytes[..<split]), at: start)
        output.append(session.ingest(Array(bytes[split...]), at: start))
        output.append(session.finish(at: start))
        if let violation = OximetryOutputInvariant.violation(in: output.measurements, carried: carried) { return violation }
        if let time = output.measurements.compactMap(\.deviceTime).first(where: { !$0.isValid }) { return "invalid device time \(time)" }
        return nil
    }
}

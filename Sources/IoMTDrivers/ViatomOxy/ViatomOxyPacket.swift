import IoMTCore

/// The Viatom "Oxy" packet (README.md, DEVICES.md §2.3): `sync cmd ~cmd block(LE16) length(LE16) data crc8`.
/// Requests start 0xAA; responses 0x55 and carry a status (0 = OK) where the request had its command. The CRC is
/// CRC-8 with polynomial 0x07, initial value 0, over every byte before it.
public enum ViatomOxyPacket {
    public static let requestSync: UInt8 = 0xAA
    public static let responseSync: UInt8 = 0x55
    /// sync, cmd, ~cmd, block (2), length (2).
    public static let headerLength = 7
    /// The longest write the sources make; a longer request goes out in pieces (the device reassembles them).
    public static let writeChunkLength = 20
    /// No response the driver asks for is longer (a file block, the info JSON); a longer length field is noise.
    public static let longestData = 8192

    /// The request commands the driver sends (S1–S4).
    public enum Command: UInt8, Sendable, CaseIterable {
        case fileOpen = 0x03
        case fileRead = 0x04
        case fileClose = 0x05
        case info = 0x14
        case realTimeData = 0x1B

        public var name: String {
            switch self {
            case .fileOpen: "file open (0x03)"
            case .fileRead: "file read (0x04)"
            case .fileClose: "file close (0x05)"
            case .info: "info (0x14)"
            case .realTimeData: "real-time data (0x1B)"
            }
        }
    }

    /// CRC-8, polynomial x⁸+x²+x+1 (0x07), initial value 0, no reflection, no final XOR.
    public static func crc8(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        }
        return crc
    }

    /// A whole request packet (before it is cut into writes). `data` longer than 65,535 bytes is cut (no request is).
    public static func request(_ command: Command, block: UInt16 = 0, data: [UInt8] = []) -> [UInt8] {
        let data = Array(data.prefix(Int(UInt16.max)))
        let length = UInt16(data.count)
        let body = [requestSync, command.rawValue, ~command.rawValue, UInt8(block & 0xFF), UInt8(block >> 8),
                    UInt8(length & 0xFF), UInt8(length >> 8)] + data
        return body + [crc8(body)]
    }

    /// The packet in writes of at most `writeChunkLength` bytes, in order.
    public static func chunks(_ packet: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: packet.count, by: writeChunkLength).map { Array(packet[$0..<min(packet.count, $0 + writeChunkLength)]) }
    }

    /// One checked response.
    public struct Response: Sendable, Hashable {
        /// 0 = OK.
        public let status: UInt8
        public let block: UInt16
        public let data: [UInt8]
        /// The whole packet, header and CRC included (kept as the raw frame).
        public let packet: [UInt8]
    }
}

/// Reassembles responses from notifications in any chunking: a response may span notifications (a 20-byte ATT
/// payload at the default MTU), and one notification may end one response and start the next. Bytes that cannot start
/// a response (not 0x55, a status byte whose complement does not follow, a length past `longestData`) are skipped and
/// counted; a response whose CRC fails is rejected and the hunt resumes one byte after its start.
public struct ViatomOxyResponseAssembler: Sendable {
    /// Bytes held waiting for the rest of a response; past it the oldest are dropped (resynchronised).
    static let bufferLimit = ViatomOxyPacket.headerLength + ViatomOxyPacket.longestData + 1
    private var buffer: [UInt8] = []

    public init() {}

    /// Whether the start of a response is held (a torn response at link down); a stray byte or two is not.
    public var holdsPartialResponse: Bool { buffer.first == ViatomOxyPacket.responseSync }

    public mutating func receive(_ bytes: [UInt8]) -> (responses: [ViatomOxyPacket.Response], events: [DriverEvent]) {
        buffer += bytes
        var responses: [ViatomOxyPacket.Response] = []
        var events: [DriverEvent] = []
        var skipped = 0
        let header = ViatomOxyPacket.headerLength
        while buffer.count >= 3 {
            guard buffer[0] == ViatomOxyPacket.responseSync, buffer[1] == ~buffer[2] else {
                buffer.removeFirst(); skipped += 1; continue
            }
            guard buffer.count >= header else { break }
            let length = Int(buffer[5]) | Int(buffer[6]) << 8
            guard length <= ViatomOxyPacket.longestData else { buffer.removeFirst(); skipped += 1; continue }
            guard buffer.count >= header + length + 1 else { break }  // the rest comes in a later notification
            let packet = Array(buffer[0..<(header + length + 1)])
            guard ViatomOxyPacket.crc8(packet.dropLast()) == packet[packet.count - 1] else {
                events.append(.rejectedFrame(reason: "Viatom response of \(length) data bytes: CRC-8 check failed"))
                buffer.removeFirst(); skipped += 1
                continue
            }
            buffer.removeFirst(packet.count)
            responses.append(ViatomOxyPacket.Response(status: packet[1], block: UInt16(packet[3]) | UInt16(packet[4]) << 8,
                                                      data: Array(packet[header..<(header + length)]), packet: packet))
        }
        if buffer.count > Self.bufferLimit {
            skipped += buffer.count - Self.bufferLimit
            buffer.removeFirst(buffer.count - Self.bufferLimit)
        }
        if skipped > 0 { events.insert(.resynchronised(discardedBytes: skipped), at: 0) }
        return (responses, events)
    }

    public mutating func reset() { buffer = [] }
}

import IoMTCore

/// The Omron "classic" record-transfer packet (README.md, DEVICES.md §3.1): byte 0 the total length, bytes 1–2 the
/// type, 3–4 the EEPROM address (big-endian), 5 the data size, the data, one byte (`00` from the host; the device's
/// status in its answers), and last a byte that makes the XOR of all bytes zero. A packet travels in 16-byte pieces,
/// piece i on channel i (at most 4 pieces, 64 bytes).
public struct OmronPacket: Sendable, Hashable {
    public enum Kind: UInt16, Sendable, CaseIterable {
        case start = 0x0000, read = 0x0100, write = 0x01C0, end = 0x0F00
        case startAnswer = 0x8000, readAnswer = 0x8100, writeAnswer = 0x81C0, endAnswer = 0x8F00

        /// The answer type the device sends to a host request (the request type with bit 15 set).
        public var answer: Kind? { Kind(rawValue: rawValue | 0x8000) }
        public var name: String {
            switch self {
            case .start: "start (0000)"
            case .read: "read (0100)"
            case .write: "write (01C0)"
            case .end: "end (0F00)"
            case .startAnswer: "start answer (8000)"
            case .readAnswer: "read answer (8100)"
            case .writeAnswer: "write answer (81C0)"
            case .endAnswer: "end answer (8F00)"
            }
        }
    }

    public let kind: Kind
    public let address: UInt16
    /// Byte 5: the bytes asked for (read, start) or carried (write, answers).
    public let size: UInt8
    public let data: [UInt8]
    /// The byte before the XOR byte: `00` from the host; in an end answer the device's error code.
    public let status: UInt8

    /// Most bytes one packet may carry: 4 channels × 16 bytes.
    public static let maximumLength = 64
    public static let pieceLength = 16
    public static let channelCount = 4

    public init(kind: Kind, address: UInt16 = 0, size: UInt8, data: [UInt8] = [], status: UInt8 = 0) {
        self.kind = kind; self.address = address; self.size = size; self.data = data; self.status = status
    }

    /// `08 00 00 00 00 10 00 18`: start a transfer.
    public static let start = OmronPacket(kind: .start, size: 0x10)
    /// `08 0F 00 00 00 00 00 07`: end it.
    public static let end = OmronPacket(kind: .end, size: 0)
    public static func read(_ address: UInt16, size: Int) -> OmronPacket {
        OmronPacket(kind: .read, address: address, size: UInt8(clamping: size))
    }
    public static func write(_ address: UInt16, _ data: [UInt8]) -> OmronPacket {
        OmronPacket(kind: .write, address: address, size: UInt8(clamping: data.count), data: data)
    }

    /// The packet's bytes, its length first and its XOR byte last.
    public var bytes: [UInt8] {
        var bytes = [UInt8(truncatingIfNeeded: 8 + data.count), UInt8(kind.rawValue >> 8), UInt8(kind.rawValue & 0xFF),
                     UInt8(address >> 8), UInt8(address & 0xFF), size] + data + [status]
        bytes.append(bytes.reduce(0, ^))
        return bytes
    }

    /// The bytes cut into 16-byte pieces: piece i goes to channel i.
    public var pieces: [[UInt8]] { Self.pieces(of: bytes) }

    static func pieces(of bytes: [UInt8]) -> [[UInt8]] {
        stride(from: 0, to: bytes.count, by: pieceLength).map { Array(bytes[$0..<min(bytes.count, $0 + pieceLength)]) }
    }

    /// Why bytes are not a packet.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case tooShort(found: Int)
        case lengthOutOfRange(UInt8)
        case checksum(found: UInt8)
        case unknownType(UInt16)
        case sizeBeyondPacket(size: UInt8, length: Int)

        public var description: String {
            switch self {
            case let .tooShort(found): "Omron packet: \(found) bytes, expected at least 8 (length, type, address, size, status, XOR)"
            case let .lengthOutOfRange(length): "Omron packet: length byte \(length) is not 8-64"
            case let .checksum(found): "Omron packet: the XOR of all bytes is 0x\(Hex.string([found])), expected 00 (corrupted in transit)"
            case let .unknownType(type): "Omron packet: type \(Hex.word(type, uppercase: true)) is not one of 0000, 0100, 01C0, 0F00 or their answers 8000, 8100, 81C0, 8F00"
            case let .sizeBeyondPacket(size, length): "Omron packet: data size \(size) does not fit a \(length)-byte packet"
            }
        }
    }

    /// Parses one whole packet (bytes after its length are ignored: the padding of the last piece). A data size larger
    /// than the packet holds is an answer for an area the device does not give out (the packet carries no data then).
    public static func parse(_ raw: [UInt8]) throws(Problem) -> OmronPacket {
        guard raw.count >= 8 else { throw .tooShort(found: raw.count) }
        let length = Int(raw[0])
        guard (8...maximumLength).contains(length) else { throw .lengthOutOfRange(raw[0]) }
        guard raw.count >= length else { throw .tooShort(found: raw.count) }
        let packet = Array(raw[0..<length])
        let xor = packet.reduce(0, ^)
        guard xor == 0 else { throw .checksum(found: xor) }
        let type = UInt16(packet[1]) << 8 | UInt16(packet[2])
        guard let kind = Kind(rawValue: type) else { throw .unknownType(type) }
        let address = UInt16(packet[3]) << 8 | UInt16(packet[4])
        let size = packet[5]
        let carried = length - 8
        let data: [UInt8]
        if kind == .read || kind == .start || kind == .end || kind == .endAnswer {
            data = Array(packet[6..<(length - 2)])
        } else if Int(size) <= carried {
            data = Array(packet[6..<(6 + Int(size))])
        } else if kind == .readAnswer {
            data = []
        } else {
            throw .sizeBeyondPacket(size: size, length: length)
        }
        return OmronPacket(kind: kind, address: address, size: size, data: data, status: packet[length - 2])
    }
}

/// Reassembles the device's answers from its four notified channels: piece i arrives on RX channel i; the first
/// piece's length byte says how many pieces make the packet.
public struct OmronPacketAssembler: Sendable, Hashable {
    private var pieces: [[UInt8]?] = Array(repeating: nil, count: OmronPacket.channelCount)

    public init() {}

    /// One notification on RX channel `channel` (0–3). Returns the whole packet's bytes once every piece is in.
    public mutating func receive(channel: Int, _ bytes: [UInt8]) -> [UInt8]? {
        guard pieces.indices.contains(channel) else { return nil }
        pieces[channel] = bytes
        guard let first = pieces[0], let length = first.first else { return nil }
        let needed = max(1, min(OmronPacket.channelCount, (Int(length) + OmronPacket.pieceLength - 1) / OmronPacket.pieceLength))
        var whole: [UInt8] = []
        for index in 0..<needed {
            guard let piece = pieces[index] else { return nil }
            whole += piece
        }
        reset()
        return whole
    }

    /// Forget pieces (a resent request, a link down).
    public mutating func reset() { pieces = Array(repeating: nil, count: OmronPacket.channelCount) }

    /// Pieces held that make no whole packet yet.
    public var isHoldingPieces: Bool { pieces.contains { $0 != nil } }
}

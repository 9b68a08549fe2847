/// Splits a printer-style byte stream into lines (CR, LF or CR LF end a line).
///
/// A line with a byte outside printable ASCII (0x20-0x7E, tab), or longer than `maxLength`, is
/// marked corrupt: noise, a wrong baud rate or a torn transmission. Every byte ends up in exactly
/// one line's `raw` bytes or in `pendingByteCount`.
public struct TextLineFramer: Sendable {
    public struct Line: Sendable, Hashable {
        /// The printable content (empty for a corrupt line).
        public var text: String
        /// The bytes as received, terminator included.
        public var raw: [UInt8]
        public var isCorrupt: Bool
    }

    public let maxLength: Int
    private var raw: [UInt8] = []
    private var corrupt = false

    public init(maxLength: Int) { self.maxLength = maxLength }

    public mutating func push(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            raw.append(byte)
            switch byte {
            case 0x0D, 0x0A:
                let content = raw.dropLast()
                lines.append(Line(text: corrupt ? "" : String(decoding: content, as: UTF8.self), raw: raw, isCorrupt: corrupt))
                raw = []
                corrupt = false
            case 0x20...0x7E, 0x09:
                if raw.count - 1 > maxLength { corrupt = true }
            default:
                corrupt = true
            }
            // A corrupt line is not kept whole: noise without line ends must not grow the buffer.
            if corrupt, raw.count > maxLength + 1 {
                lines.append(Line(text: "", raw: raw, isCorrupt: true))
                raw = []
            }
        }
        return lines
    }

    public var pendingByteCount: Int { raw.count }
}

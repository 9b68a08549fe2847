import IoMTCore

/// The 0x14 info answer: a JSON object of strings (S1, S4). Read: `Model`, `SN`, `CurTIME` ("YYYY-MM-DD,HH:MM:SS", the
/// device clock, no zone) and `FileList` (comma-separated names of the stored sessions, each starting with its start
/// time as 14 digits YYYYMMDDhhmmss).
public struct ViatomOxyInfo: Sendable, Hashable {
    public var model: String?
    public var serialNumber: String?
    public var deviceClock: CivilTime?
    public var files: [StoredFile]

    /// One name from `FileList`.
    public struct StoredFile: Sendable, Hashable {
        public let name: String
        /// The start time its name carries; nil when the name does not start with a valid date and time.
        public let startTime: CivilTime?
    }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notJSON(String)
        case notAnObject
        public var description: String {
            switch self {
            case let .notJSON(reason): "Viatom info (0x14): not JSON (\(reason))"
            case .notAnObject: "Viatom info (0x14): JSON but not an object"
            }
        }
    }

    public static func decode(_ data: [UInt8]) throws(Problem) -> ViatomOxyInfo {
        // The device pads the text with NULs and whitespace (S2 strips them).
        var bytes = data
        while let last = bytes.last, last == 0 || last == 0x20 || last == 0x0A || last == 0x0D || last == 0x09 { bytes.removeLast() }
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: bytes) } catch { throw .notJSON("\(error)") }
        guard json.objectValue != nil else { throw .notAnObject }
        let names = (json["FileList"]?.stringValue ?? "").split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        return ViatomOxyInfo(model: json["Model"]?.stringValue, serialNumber: json["SN"]?.stringValue,
                             deviceClock: json["CurTIME"]?.stringValue.flatMap(clock),
                             files: names.map { StoredFile(name: $0, startTime: fileStartTime($0)) })
    }

    /// "YYYY-MM-DD,HH:MM:SS".
    static func clock(_ text: String) -> CivilTime? {
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count == 6 else { return nil }
        let time = CivilTime(year: digits[0], month: digits[1], day: digits[2], hour: digits[3], minute: digits[4], second: digits[5])
        return time.isValid ? time : nil
    }

    /// The leading 14 digits YYYYMMDDhhmmss of a file name.
    public static func fileStartTime(_ name: String) -> CivilTime? {
        let digits = Array(name.utf8.prefix(14))
        guard digits.count == 14, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let time = CivilTime(year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: number(8..<10),
                             minute: number(10..<12), second: number(12..<14))
        return time.isValid ? time : nil
    }
}

import IoMTCore

/// Why a characteristic value could not be decoded. Carries the characteristic, the field and the
/// offset so a technician can match it against a capture. Made only by `GATTValueReader.error` (the memberwise init).
public struct GATTDecodingError: Error, Hashable, CustomStringConvertible {
    public let characteristic: BluetoothUUID
    public let field: String
    public let offset: Int
    public let reason: String

    public var description: String {
        "characteristic \(characteristic.displayText): \(field) at byte \(offset): \(reason)"
    }
}

/// Little-endian cursor over one characteristic value (GATT values are little-endian, Core Spec Vol 3
/// Part G). Every read names its field, so a short value is rejected with what was missing.
struct GATTValueReader {
    let characteristic: BluetoothUUID
    let bytes: [UInt8]
    private(set) var offset = 0

    init(characteristic: BluetoothUUID, bytes: [UInt8]) { self.characteristic = characteristic; self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func error(_ field: String, _ reason: String) -> GATTDecodingError {
        GATTDecodingError(characteristic: characteristic, field: field, offset: offset, reason: reason)
    }

    private mutating func take(_ count: Int, _ field: String) throws(GATTDecodingError) -> ArraySlice<UInt8> {
        guard remaining >= count else {
            throw error(field, "value truncated: needs \(count) byte(s), \(max(0, remaining)) left of \(bytes.count)")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func uint8(_ field: String) throws(GATTDecodingError) -> UInt8 { try take(1, field).first! }

    mutating func uint16(_ field: String) throws(GATTDecodingError) -> UInt16 {
        let slice = try take(2, field)
        return UInt16(slice[slice.startIndex]) | UInt16(slice[slice.startIndex + 1]) << 8
    }

    mutating func int16(_ field: String) throws(GATTDecodingError) -> Int16 { Int16(bitPattern: try uint16(field)) }

    mutating func uint24(_ field: String) throws(GATTDecodingError) -> UInt32 {
        let slice = try take(3, field)
        return slice.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    mutating func uint32(_ field: String) throws(GATTDecodingError) -> UInt32 {
        let slice = try take(4, field)
        return slice.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    mutating func sfloat(_ field: String) throws(GATTDecodingError) -> MedicalFloat { MedicalFloat(sfloat: try uint16(field)) }

    mutating func float(_ field: String) throws(GATTDecodingError) -> MedicalFloat { MedicalFloat(float: try uint32(field)) }

    mutating func dateTime(_ field: String) throws(GATTDecodingError) -> GATTDateTime {
        let year = try uint16(field + ".year")
        let month = try uint8(field + ".month"), day = try uint8(field + ".day")
        let hours = try uint8(field + ".hours"), minutes = try uint8(field + ".minutes"), seconds = try uint8(field + ".seconds")
        return GATTDateTime(year: Int(year), month: Int(month), day: Int(day), hours: Int(hours), minutes: Int(minutes), seconds: Int(seconds))
    }

    /// Bytes after the last field the flags announced: tolerated (later spec versions append fields) but reported.
    func trailingBytesEvent() -> DriverEvent? {
        guard remaining > 0 else { return nil }
        return .deviceInfo(key: "gatt.\(characteristic.shortText).trailingBytes", value: String(remaining))
    }

    /// What the value held beyond what its decoder understood, once it has read every announced field: reserved flag
    /// bits set (outside `definedMask`) and trailing bytes, each reported as a device fact.
    func unreadEvents(flags: UInt8, definedMask: UInt8) -> [DriverEvent] {
        [GATTFlags.reservedBitsEvent(flags, definedMask: definedMask, characteristic: characteristic), trailingBytesEvent()].compactMap { $0 }
    }
}

/// Optional fields: read only when their flags bit announces them (`present`), nil otherwise.
extension GATTValueReader {
    mutating func uint8(_ field: String, if present: Bool) throws(GATTDecodingError) -> UInt8? { present ? try uint8(field) : nil }
    mutating func uint16(_ field: String, if present: Bool) throws(GATTDecodingError) -> UInt16? { present ? try uint16(field) : nil }
    mutating func sfloat(_ field: String, if present: Bool) throws(GATTDecodingError) -> MedicalFloat? { present ? try sfloat(field) : nil }
    mutating func dateTime(_ field: String, if present: Bool) throws(GATTDecodingError) -> GATTDateTime? { present ? try dateTime(field) : nil }
}

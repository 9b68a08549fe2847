import IoMTCore

/// Record Access Control Point (0x2A52; GATT Specification Supplement §3.178, used by the Glucose
/// Service and the Pulse Oximeter Service): the collector writes a request, the sensor sends
/// the matching stored records as notifications/indications of the measurement characteristic and ends
/// with a RACP indication (a response code, or the number of records).
///
/// Value layout: Op Code (uint8), Operator (uint8), Operand (variable; for the "greater than or equal"
/// and "less than or equal" operators a Filter Type byte followed by the filter value).
public enum RACPRequest: Sendable, Hashable {
    /// Op code 0x01 "Report stored records", operator 0x01 "All records".
    case reportAllRecords
    /// Op code 0x01, operator 0x03 "Greater than or equal to", filter type 0x01 "Sequence Number":
    /// only the records after a high-water mark.
    case reportRecordsFromSequenceNumber(UInt16)
    /// Op code 0x01, operator 0x03, filter type 0x02 "User Facing Time" (Base Time of the record).
    case reportRecordsFromUserFacingTime(GATTDateTime)
    /// Op code 0x04 "Report number of stored records", operator 0x01 "All records".
    case reportNumberOfAllRecords
    /// Op code 0x04, operator 0x03, filter type 0x01.
    case reportNumberOfRecordsFromSequenceNumber(UInt16)
    /// Op code 0x02 "Delete stored records", operator 0x01 "All records".
    case deleteAllRecords
    /// Op code 0x03 "Abort operation", operator 0x00 "Null".
    case abort

    public var bytes: [UInt8] {
        switch self {
        case .reportAllRecords: return [RACPOpCode.reportStoredRecords, RACPOperator.allRecords]
        case let .reportRecordsFromSequenceNumber(sequence):
            return [RACPOpCode.reportStoredRecords, RACPOperator.greaterThanOrEqual, RACPFilterType.sequenceNumber,
                    UInt8(sequence & 0xFF), UInt8(sequence >> 8)]
        case let .reportRecordsFromUserFacingTime(time):
            return [RACPOpCode.reportStoredRecords, RACPOperator.greaterThanOrEqual, RACPFilterType.userFacingTime] + time.bytes
        case .reportNumberOfAllRecords: return [RACPOpCode.reportNumberOfStoredRecords, RACPOperator.allRecords]
        case let .reportNumberOfRecordsFromSequenceNumber(sequence):
            return [RACPOpCode.reportNumberOfStoredRecords, RACPOperator.greaterThanOrEqual, RACPFilterType.sequenceNumber,
                    UInt8(sequence & 0xFF), UInt8(sequence >> 8)]
        case .deleteAllRecords: return [RACPOpCode.deleteStoredRecords, RACPOperator.allRecords]
        case .abort: return [RACPOpCode.abortOperation, RACPOperator.null]
        }
    }
}

enum RACPOpCode {
    static let reportStoredRecords: UInt8 = 0x01
    static let deleteStoredRecords: UInt8 = 0x02
    static let abortOperation: UInt8 = 0x03
    static let reportNumberOfStoredRecords: UInt8 = 0x04
    static let numberOfStoredRecordsResponse: UInt8 = 0x05
    static let responseCode: UInt8 = 0x06
}

enum RACPOperator {
    static let null: UInt8 = 0x00
    static let allRecords: UInt8 = 0x01
    static let greaterThanOrEqual: UInt8 = 0x03
}

enum RACPFilterType {
    static let sequenceNumber: UInt8 = 0x01
    static let userFacingTime: UInt8 = 0x02
}

/// What the sensor answered on the RACP.
public enum RACPResponse: Sendable, Hashable, CustomStringConvertible {
    /// Op code 0x05, operator 0x00, operand uint16.
    case numberOfRecords(UInt16)
    /// Op code 0x06, operator 0x00, operand: request op code (uint8) and response code value (uint8).
    case response(requestOpCode: UInt8, code: RACPResponseCode)

    public static func decode(_ value: [UInt8]) throws(GATTDecodingError) -> RACPResponse {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.recordAccessControlPoint, bytes: value)
        let opCode = try reader.uint8("Op Code")
        let op = try reader.uint8("Operator")
        guard op == RACPOperator.null else { throw reader.error("Operator", "expected 0x00 (Null) in a response, found 0x\(Hex.string([op]).uppercased())") }
        switch opCode {
        case RACPOpCode.numberOfStoredRecordsResponse: return .numberOfRecords(try reader.uint16("Number of Records"))
        case RACPOpCode.responseCode:
            let request = try reader.uint8("Request Op Code")
            return .response(requestOpCode: request, code: RACPResponseCode(rawValue: try reader.uint8("Response Code Value")))
        default:
            throw reader.error("Op Code", "expected 0x05 (Number of Stored Records Response) or 0x06 (Response Code), found 0x\(Hex.string([opCode]).uppercased())")
        }
    }

    public var description: String {
        switch self {
        case let .numberOfRecords(count): return "\(count) stored record(s)"
        case let .response(request, code): return "request 0x\(Hex.string([request]).uppercased()): \(code)"
        }
    }
}

/// RACP Response Code Values.
public struct RACPResponseCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = RACPResponseCode(rawValue: 0x01)
    public static let opCodeNotSupported = RACPResponseCode(rawValue: 0x02)
    public static let invalidOperator = RACPResponseCode(rawValue: 0x03)
    public static let operatorNotSupported = RACPResponseCode(rawValue: 0x04)
    public static let invalidOperand = RACPResponseCode(rawValue: 0x05)
    public static let noRecordsFound = RACPResponseCode(rawValue: 0x06)
    public static let abortUnsuccessful = RACPResponseCode(rawValue: 0x07)
    public static let procedureNotCompleted = RACPResponseCode(rawValue: 0x08)
    public static let operandNotSupported = RACPResponseCode(rawValue: 0x09)

    public var description: String {
        switch rawValue {
        case 0x01: return "success"
        case 0x02: return "op code not supported"
        case 0x03: return "invalid operator"
        case 0x04: return "operator not supported"
        case 0x05: return "invalid operand"
        case 0x06: return "no records found"
        case 0x07: return "abort unsuccessful"
        case 0x08: return "procedure not completed"
        case 0x09: return "operand not supported"
        default: return "reserved response code 0x\(Hex.string([rawValue]).uppercased())"
        }
    }
}

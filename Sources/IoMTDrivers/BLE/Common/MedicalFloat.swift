import IoMTCore

/// An IEEE 11073-20601 FLOAT-Type (32-bit) or SFLOAT-Type (16-bit) as the Bluetooth health profiles
/// send it (GATT Specification Supplement data types "medfloat16"/"medfloat32"): a signed base-10 exponent
/// and a signed mantissa, or one of the special values, which are never turned into a number.
public enum MedicalFloat: Sendable, Hashable {
    /// `mantissa × 10^exponent`, kept exactly (the exponent is the device's precision).
    case number(DecimalValue)
    case notANumber
    /// "Not at this resolution": the value does not fit the field's precision.
    case notAtThisResolution
    case positiveInfinity
    case negativeInfinity
    /// The value reserved for future use by IEEE 11073-20601.
    case reserved

    /// SFLOAT: exponent in bits 15-12 (4-bit two's complement), mantissa in bits 11-0 (12-bit two's
    /// complement). Special values are whole 16-bit patterns with exponent 0: 0x07FF NaN, 0x0800 NRes,
    /// 0x07FE +INF, 0x0802 -INF, 0x0801 reserved.
    public init(sfloat raw: UInt16) {
        switch raw {
        case 0x07FF: self = .notANumber
        case 0x0800: self = .notAtThisResolution
        case 0x07FE: self = .positiveInfinity
        case 0x0802: self = .negativeInfinity
        case 0x0801: self = .reserved
        default:
            let mantissa = Int64(Int16(bitPattern: raw << 4) >> 4)
            let exponent = Int(Int8(bitPattern: UInt8(raw >> 12) << 4) >> 4)
            self = .number(DecimalValue(significand: mantissa, exponent: exponent))
        }
    }

    /// FLOAT: exponent in bits 31-24 (8-bit two's complement), mantissa in bits 23-0 (24-bit two's
    /// complement). Specials with exponent 0: 0x007FFFFF NaN, 0x00800000 NRes, 0x007FFFFE +INF,
    /// 0x00800002 -INF, 0x00800001 reserved.
    public init(float raw: UInt32) {
        switch raw {
        case 0x007F_FFFF: self = .notANumber
        case 0x0080_0000: self = .notAtThisResolution
        case 0x007F_FFFE: self = .positiveInfinity
        case 0x0080_0002: self = .negativeInfinity
        case 0x0080_0001: self = .reserved
        default:
            let mantissa = Int64(Int32(bitPattern: raw << 8) >> 8)
            let exponent = Int(Int8(bitPattern: UInt8(raw >> 24)))
            self = .number(DecimalValue(significand: mantissa, exponent: exponent))
        }
    }

    public var value: DecimalValue? {
        if case let .number(value) = self { return value }
        return nil
    }

    /// The status flag that stands in for a missing number (empty for a number).
    public var status: MeasurementStatus {
        switch self {
        case .number: return []
        case .notANumber: return [.notANumber]
        case .notAtThisResolution: return [.notAtThisResolution]
        case .positiveInfinity: return [.positiveInfinity]
        case .negativeInfinity: return [.negativeInfinity]
        case .reserved: return [.reservedValue]
        }
    }

    /// The value scaled by 10^shift (a unit change such as kg/L → mg/dL is a shift of 5), exactly.
    func shifted(by shift: Int) -> MedicalFloat {
        guard case let .number(value) = self else { return self }
        return .number(DecimalValue(significand: value.significand, exponent: value.exponent + shift))
    }

    /// SFLOAT encoding of a number, for tests, fixtures and the simulator (nil if it does not fit).
    public static func sfloatBits(mantissa: Int, exponent: Int) -> UInt16? {
        guard (-2048...2047).contains(mantissa), (-8...7).contains(exponent) else { return nil }
        let bits = UInt16(UInt8(bitPattern: Int8(exponent)) & 0x0F) << 12 | UInt16(bitPattern: Int16(mantissa)) & 0x0FFF
        return (0x07FE...0x0802).contains(bits) ? nil : bits
    }
}

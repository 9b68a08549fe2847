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

    /// SFLOAT: exponent in bits 15-12 (4-bit two's complement), mantissa in bits 11-0 (12-bit two's complement).
    public init(sfloat raw: UInt16) {
        self.init(mantissa: Int64(Int16(bitPattern: raw << 4) >> 4), exponent: Int(Int8(bitPattern: UInt8(raw >> 12) << 4) >> 4),
                  mantissaBits: 12)
    }

    /// FLOAT: exponent in bits 31-24 (8-bit two's complement), mantissa in bits 23-0 (24-bit two's complement).
    public init(float raw: UInt32) {
        self.init(mantissa: Int64(Int32(bitPattern: raw << 8) >> 8), exponent: Int(Int8(bitPattern: UInt8(raw >> 24))), mantissaBits: 24)
    }

    /// Both types define their special values alike (IEEE 11073-20601 FLOAT-Type, SFLOAT-Type): exponent 0 and a mantissa
    /// at the ends of its range — largest NaN, smallest NRes, largest − 1 +INF, −(largest − 1) −INF, −largest reserved.
    /// SFLOAT: 0x07FF NaN, 0x0800 NRes, 0x07FE +INF, 0x0802 −INF, 0x0801 reserved; FLOAT: 0x007FFFFF, 0x00800000, … likewise.
    private init(mantissa: Int64, exponent: Int, mantissaBits: Int) {
        let largest = (Int64(1) << (mantissaBits - 1)) - 1
        switch (exponent, mantissa) {
        case (0, largest): self = .notANumber
        case (0, -largest - 1): self = .notAtThisResolution
        case (0, largest - 1): self = .positiveInfinity
        case (0, -(largest - 1)): self = .negativeInfinity
        case (0, -largest): self = .reserved
        default: self = .number(DecimalValue(significand: mantissa, exponent: exponent))
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

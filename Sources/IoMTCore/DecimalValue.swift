/// An exact decimal number as a device reported it: `significand × 10^exponent`.
///
/// Medical readings must keep the device's precision: 36.50 °C is not 36.5 °C and never
/// 36.499999. A `Double` cannot promise that, so values travel as integer significand and
/// base-10 exponent from the decoder to the wire (IEEE 11073 SFLOAT/FLOAT have the same shape).
public struct DecimalValue: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let significand: Int64
    public let exponent: Int

    public init(significand: Int64, exponent: Int = 0) {
        self.significand = significand
        self.exponent = exponent
    }

    public init(_ integer: Int) { self.init(significand: Int64(integer), exponent: 0) }

    /// Parses a plain decimal literal ("97", "-0.50", "36.5"); exponents ("1e3") and a missing integer
    /// part (".5") are refused on purpose, so the text always round-trips exactly.
    public init?(_ text: some StringProtocol) {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() } else if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var significand: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        var seenDigit = false
        var seenIntegerDigit = false
        for character in digits {
            if character == "." {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
            // ".38" is refused: a device that prints it is garbled, and "0.38" would not round-trip.
            if !seenPoint { seenIntegerDigit = true } else if !seenIntegerDigit { return nil }
            seenDigit = true
            let (times10, overflow1) = significand.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit))
            if overflow1 || overflow2 { return nil }
            significand = sum
            if seenPoint { fractionDigits += 1 }
        }
        guard seenDigit, digits.last != "." || !seenPoint || fractionDigits > 0 else { return nil }
        self.init(significand: negative ? -significand : significand, exponent: -fractionDigits)
    }

    /// The exact decimal text, keeping trailing zeros that carry precision ("36.50").
    public var description: String {
        let negative = significand < 0
        var digits = String(significand.magnitude)
        if exponent > 0 {
            digits += String(repeating: "0", count: exponent)
        } else if exponent < 0 {
            let fraction = -exponent
            if digits.count <= fraction {
                digits = String(repeating: "0", count: fraction - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -fraction))
        }
        return negative ? "-" + digits : digits
    }

    /// Number of digits after the decimal point (0 for integers).
    public var fractionDigits: Int { max(0, -exponent) }

    /// An approximation for charts and statistics only; never used for storage or the wire.
    public var doubleValue: Double {
        var result = Double(significand)
        if exponent > 0 { for _ in 0..<exponent { result *= 10 } }
        if exponent < 0 { for _ in 0..<(-exponent) { result /= 10 } }
        return result
    }

    /// Exact comparison across different exponents (36.5 == 36.50).
    public static func < (lhs: DecimalValue, rhs: DecimalValue) -> Bool {
        let (a, b) = aligned(lhs, rhs)
        return a < b
    }

    /// Numerically equal, whatever the precision (`==` compares representation).
    public func isNumericallyEqual(to other: DecimalValue) -> Bool {
        let (a, b) = Self.aligned(self, other)
        return a == b
    }

    private static func aligned(_ lhs: DecimalValue, _ rhs: DecimalValue) -> (Int128, Int128) {
        let common = min(lhs.exponent, rhs.exponent)
        return (scaled(lhs, to: common), scaled(rhs, to: common))
    }

    private static func scaled(_ value: DecimalValue, to exponent: Int) -> Int128 {
        var result = Int128(value.significand)
        // Exponent spans are tiny in practice (SFLOAT: -8...7); clamp to keep Int128 safe.
        for _ in 0..<min(value.exponent - exponent, 30) { result *= 10 }
        return result
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = DecimalValue(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a decimal literal such as \"97\" or \"36.5\", got \"\(text)\"")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

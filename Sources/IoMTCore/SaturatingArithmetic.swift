/// Arithmetic on numbers that arrive from outside (HTTP headers and bodies, D-Bus values, device values,
/// files): a value too large for Int64 is pinned to the nearest bound instead of trapping, so hostile or
/// corrupt input can at worst produce a far-away time that the caller then clamps.
extension Int64 {
    public func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    public func subtractingSaturated(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? .max : .min
    }

    public func multipliedSaturated(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        guard overflow else { return product }
        return (self < 0) == (other < 0) ? .max : .min
    }

    /// A run of ASCII digits (RFC 9110 `1*DIGIT`, a JSON integer) as a non-negative number; a run longer
    /// than Int64 holds is `Int64.max`. nil when the text is empty or holds anything but digits.
    public init?(saturatingDigits text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            value = value.multipliedSaturated(by: 10).addingSaturated(Int64(byte - UInt8(ascii: "0")))
        }
        self = value
    }
}

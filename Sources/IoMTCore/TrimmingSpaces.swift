extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (HTTP header values, secrets read from files). Trims by
    /// Unicode scalar: "\r\n" is one Character, so Character comparisons would miss it.
    @inlinable
    public var trimmingSpaces: String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        var scalars = Substring.UnicodeScalarView(unicodeScalars.drop(while: isSpace))
        while let last = scalars.last, isSpace(last) { scalars.removeLast() }
        return String(scalars)
    }
}

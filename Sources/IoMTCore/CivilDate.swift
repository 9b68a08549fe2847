/// Calendar dates as YYYY-MM-DD (dates of birth in the configuration, on the command line and in the store).
extension CivilTime {
    /// A real calendar date written YYYY-MM-DD; nil for anything else.
    public init?(isoDate text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        self.init(year: year, month: month, day: day)
        guard isValid else { return nil }
    }

    /// The date part, YYYY-MM-DD.
    public var isoDate: String { "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
}

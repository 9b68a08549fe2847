import IoMTCore

/// The asthma action plan's peak-flow zones as a share of the patient's personal best: green ≥ 80 %, yellow 50–79 %,
/// red < 50 % (NAEPP Expert Panel Report 3, Guidelines for the Diagnosis and Management of Asthma, NHLBI 2007,
/// section 3, component 2, "Asthma action plan"). A `baseline-fall` rule with a `zone` fires when a reading is in that
/// zone or a worse one, so a red reading is never quiet under a rule that only asked for yellow.
public enum PeakFlowZone: String, Sendable, Hashable, Codable, CaseIterable {
    case green, yellow, red

    /// The fall from the personal best, in %, beyond which a reading has left the zone above: yellow below 80 % of the
    /// best (a fall of more than 20 %), red below 50 % (more than 50 %). Green has no limit (it is not an alert).
    public var fallPercent: DecimalValue? {
        switch self {
        case .green: nil
        case .yellow: DecimalValue(20)
        case .red: DecimalValue(50)
        }
    }

    /// The zone of `value` against the personal best `best`, in exact decimals (80 % of the best exactly is green).
    public static func of(_ value: DecimalValue, best: DecimalValue) -> PeakFlowZone {
        if let red = BaselineFall.limit(best: best, percent: Self.red.fallPercent, by: nil), value < red { return .red }
        if let yellow = BaselineFall.limit(best: best, percent: Self.yellow.fallPercent, by: nil), value < yellow { return .yellow }
        return .green
    }

    /// The zones and their source, for alert notes.
    static let citation = "NAEPP EPR-3 2007: green >= 80 %, yellow 50-79 %, red < 50 % of personal best"
}

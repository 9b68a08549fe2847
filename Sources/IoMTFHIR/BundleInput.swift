import IoMTCore

/// One stored observation to put in a bundle.
public struct BundleInput: Sendable, Hashable {
    /// Row id in the store; transaction-response entries map back to it.
    public var storeId: Int64
    public var observation: Observation
    /// v3 ObservationInterpretation code (e.g. "H", "L", "AA") from the alert engine, if any.
    public var interpretation: String?
    /// Set for a per-minute summary of a compacted stream (the observation's value is the mean).
    public var summary: ReadingSummary?
    /// For a reading carrying sample series: the alert engine's v3 code per series type (MDC reference id), put on
    /// that series' Observation.
    public var seriesInterpretations: [String: String]

    public init(storeId: Int64, observation: Observation, interpretation: String? = nil, summary: ReadingSummary? = nil,
                seriesInterpretations: [String: String] = [:]) {
        self.storeId = storeId; self.observation = observation; self.interpretation = interpretation; self.summary = summary
        self.seriesInterpretations = seriesInterpretations
    }
}

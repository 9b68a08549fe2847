/// A periodic series of one measurement — the PHD IG's real-time sample array, FHIR's SampledData: sample i was taken
/// at the reading's time + i × period. A stored overnight oximetry session carries its SpO2 and pulse-rate series this
/// way instead of one reading per record (docs/fhir-mapping.md, "Overnight oximetry").
public struct SampleSeries: Sendable, Hashable, Codable {
    public var type: MeasurementType
    /// UCUM unit of the samples.
    public var unit: String
    public var periodMilliseconds: Int64
    /// The range a sample is expected in (SampledData lowerLimit / upperLimit); nil: not stated.
    public var lowerLimit: DecimalValue?
    public var upperLimit: DecimalValue?
    /// The device's integer values; nil: no valid sample at that time (no finger).
    public var samples: [Int?]

    public init(type: MeasurementType, unit: String? = nil, periodMilliseconds: Int64, lowerLimit: DecimalValue?,
                upperLimit: DecimalValue?, samples: [Int?]) {
        self.type = type; self.unit = unit ?? type.defaultUnit; self.periodMilliseconds = periodMilliseconds
        self.lowerLimit = lowerLimit; self.upperLimit = upperLimit; self.samples = samples
    }
}

extension Observation {
    /// What the alert engine evaluates for this reading (and `iomtctl trend` plots): the reading itself, or — for one
    /// carrying series — one reading per valid sample, of the series' type, at its own time (the reading's corrected
    /// and device times + i × period), with the reading's device, patient, status and receipt time, and the
    /// plausibility check every reading gets in the Normaliser. Alarms thus evaluate per sample, as when each record
    /// was stored on its own.
    public var evaluatedReadings: [Observation] {
        guard !series.isEmpty else { return [self] }
        return series.flatMap { series in
            series.samples.indices.compactMap { index -> Observation? in
                guard let sample = series.samples[index] else { return nil }
                let offset = Int64(index) * series.periodMilliseconds
                let value = DecimalValue(sample)
                return Observation(type: series.type, value: value, unit: series.unit,
                                   status: status.checkingPlausibility(of: value, type: series.type, unit: series.unit),
                                   deviceTime: deviceTime.map { $0.addingOnDeviceClock(milliseconds: offset) }, receivedAt: receivedAt,
                                   correctedTime: correctedTime.adding(milliseconds: offset), device: device, patientId: patientId,
                                   rawFrame: [])
            }
        }
    }
}

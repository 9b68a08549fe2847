import IoMTCore

/// One record of a stored oximetry session, as every oximeter that stores a night gives it: a saturation and a pulse
/// rate every interval, either of them nil when the record carries no value (no finger, searching, the device's markers).
public struct StoredOximetryRecord: Sendable, Hashable {
    public let spo2: Int?
    public let pulseRate: Int?
    public init(spo2: Int?, pulseRate: Int?) { self.spo2 = spo2; self.pulseRate = pulseRate }
    /// A record counts for the summary when it carries both values.
    public var isValid: Bool { spo2 != nil && pulseRate != nil }
}

/// What a sleep clinician reads from one stored session, computed by iomtd from the records (ViatomOxy README.md,
/// "Session summary", for the method) — never copied from a device's own figures. Shared by every oximeter that stores
/// nights (Viatom O2Ring, Contec CMS50 over SPP).
public struct OvernightOximetrySummary: Sendable, Hashable {
    /// Records × interval.
    public let recordingSeconds: Int
    /// Seconds covered by records with a value (the denominator of the means, T90 % and the ODIs).
    public let validSeconds: Int
    public let spo2MeanTenths: Int?
    public let spo2Minimum: Int?
    /// Seconds with SpO2 below 90 % (T90).
    public let secondsBelow90: Int
    public let desaturations3: Int
    public let desaturations4: Int
    public let pulseMeanTenths: Int?
    public let pulseMinimum: Int?
    public let pulseMaximum: Int?

    /// The baseline of a desaturation: the highest SpO2 in this many seconds before the sample.
    public static let baselineSeconds = 120
    /// A desaturation lasts at least this long (records below the threshold × interval).
    public static let minimumEventSeconds = 10

    public init(records: [StoredOximetryRecord], intervalSeconds interval: Int) {
        let valid = records.filter(\.isValid)
        recordingSeconds = records.count * interval
        validSeconds = valid.count * interval
        let spo2 = valid.compactMap(\.spo2), pulse = valid.compactMap(\.pulseRate)
        spo2MeanTenths = spo2.isEmpty ? nil : (spo2.reduce(0, +) * 10 + spo2.count / 2) / spo2.count
        spo2Minimum = spo2.min()
        secondsBelow90 = spo2.filter { $0 < 90 }.count * interval
        pulseMeanTenths = pulse.isEmpty ? nil : (pulse.reduce(0, +) * 10 + pulse.count / 2) / pulse.count
        pulseMinimum = pulse.min()
        pulseMaximum = pulse.max()
        desaturations3 = Self.desaturations(records, interval: interval, drop: 3)
        desaturations4 = Self.desaturations(records, interval: interval, drop: 4)
    }

    /// Desaturation events: the SpO2 of valid records falls to `drop` points or more below the baseline (the highest valid
    /// SpO2 in the `baselineSeconds` before) and stays there at least `minimumEventSeconds`; the event ends when SpO2 is
    /// back above the event's threshold. An invalid record (no finger) ends a run without counting it.
    static func desaturations(_ records: [StoredOximetryRecord], interval: Int, drop: Int) -> Int {
        let window = max(1, baselineSeconds / max(1, interval))
        let minimumRecords = (minimumEventSeconds + interval - 1) / max(1, interval)
        var events = 0
        var threshold: Int?  // set while a run below the threshold is open
        var runLength = 0
        var counted = false
        for index in records.indices {
            guard let spo2 = records[index].spo2, records[index].isValid else { threshold = nil; runLength = 0; counted = false; continue }
            if let open = threshold {
                if spo2 <= open {
                    runLength += 1
                    if runLength >= minimumRecords, !counted { events += 1; counted = true }
                    continue
                }
                threshold = nil; runLength = 0; counted = false
            }
            let baseline = records[max(0, index - window)..<index].filter(\.isValid).compactMap(\.spo2).max()
            if let baseline, spo2 <= baseline - drop {
                threshold = baseline - drop
                runLength = 1
                if runLength >= minimumRecords { events += 1; counted = true }
            }
        }
        return events
    }

    /// Events per hour of valid recording, in tenths.
    public func indexTenths(_ events: Int) -> Int? {
        validSeconds > 0 ? (events * 36_000 + validSeconds / 2) / validSeconds : nil
    }

    static func tenths(_ value: Int?) -> String { value.map { "\($0 / 10).\($0 % 10)" } ?? "—" }

    /// One line for the log and the device board.
    public var text: String {
        let t90 = validSeconds > 0 ? tenthsPercent(secondsBelow90, of: validSeconds) : "—"
        return "recorded \(recordingSeconds) s (\(validSeconds) s valid), SpO2 mean \(Self.tenths(spo2MeanTenths)) % min \(spo2Minimum.map(String.init) ?? "—") %, "
            + "T90 \(secondsBelow90) s (\(t90) %), ODI3 \(Self.tenths(indexTenths(desaturations3)))/h (\(desaturations3)), "
            + "ODI4 \(Self.tenths(indexTenths(desaturations4)))/h (\(desaturations4)), pulse mean \(Self.tenths(pulseMeanTenths)) "
            + "min \(pulseMinimum.map(String.init) ?? "—") max \(pulseMaximum.map(String.init) ?? "—") /min"
    }

    private func tenthsPercent(_ part: Int, of whole: Int) -> String { Self.tenths((part * 1000 + whole / 2) / whole) }

    /// The figures as the session reading's components (local codes, docs/fhir-mapping.md "Overnight oximetry"); a figure
    /// a night without a valid record cannot have is there without a value.
    public var components: [ObservationComponent] {
        func whole(_ value: Int?) -> DecimalValue? { value.map(DecimalValue.init) }
        func tenths(_ value: Int?) -> DecimalValue? { value.map { DecimalValue(significand: Int64($0), exponent: -1) } }
        let t90Share = validSeconds > 0 ? (secondsBelow90 * 1000 + validSeconds / 2) / validSeconds : nil
        let figures: [(OvernightOximetry.Figure, DecimalValue?)] = [
            (.recordingTime, whole(recordingSeconds)), (.validTime, whole(validSeconds)), (.spo2Mean, tenths(spo2MeanTenths)),
            (.spo2Minimum, whole(spo2Minimum)), (.t90, validSeconds > 0 ? whole(secondsBelow90) : nil), (.t90Share, tenths(t90Share)),
            (.odi3, tenths(indexTenths(desaturations3))), (.odi4, tenths(indexTenths(desaturations4))), (.pulseMean, tenths(pulseMeanTenths)),
            (.pulseMinimum, whole(pulseMinimum)), (.pulseMaximum, whole(pulseMaximum)),
        ]
        return figures.map { ObservationComponent(type: $0.0.type, value: $0.1, unit: $0.0.type.defaultUnit) }
    }
}

extension OvernightOximetrySummary {
    /// A whole stored session as one reading (docs/fhir-mapping.md, "Overnight oximetry"): no value of its own; iomtd's
    /// summary as components; the SpO2 and pulse-rate series, one sample per record (nil: no valid value); the start as
    /// device time; the device's bytes as raw frame. The alert engine evaluates its samples one by one.
    public static func sessionMeasurement(records: [StoredOximetryRecord], intervalSeconds: Int, start: CivilTime,
                                          rawFrame: [UInt8]) -> DecodedMeasurement {
        let period = Int64(intervalSeconds) * 1000
        func series(_ type: MeasurementType, _ value: (StoredOximetryRecord) -> Int?) -> SampleSeries {
            let range = type.plausibleRanges.first { $0.unit == type.defaultUnit }
            return SampleSeries(type: type, periodMilliseconds: period, lowerLimit: range?.lowest, upperLimit: range?.highest,
                                samples: records.map { $0.isValid ? value($0) : nil })
        }
        return DecodedMeasurement(type: OvernightOximetry.session, value: nil,
                                  components: OvernightOximetrySummary(records: records, intervalSeconds: intervalSeconds).components,
                                  deviceTime: start, rawFrame: rawFrame, series: [series(.spo2, \.spo2), series(.pulseRateOximetry, \.pulseRate)])
    }
}

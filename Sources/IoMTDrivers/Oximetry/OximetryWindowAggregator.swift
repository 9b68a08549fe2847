import IoMTCore

/// One oximeter reading as a window aggregator needs it, whatever the device family.
public protocol OximetryWindowSample: Sendable {
    /// SpO2 in percent; nil when the device sent its "no value" marker.
    var spo2: Int? { get }
    /// Pulse rate per minute; nil when the device sent its "no value" marker.
    var pulseRate: Int? { get }
    /// Conditions that make the sample's values unusable (sensor off, searching, out of track …).
    var conditions: MeasurementStatus { get }
    /// Conditions reported with a value without voiding it (artifact, low perfusion); default none.
    var annotations: MeasurementStatus { get }
    /// Device signal-strength scale 0-15, or nil when the device reports quality by flags instead.
    var signalLevel: Int? { get }
    /// The frame(s) the sample was decoded from.
    var frame: [UInt8] { get }
    /// Perfusion index (BLE PLX and Nonin: pulse amplitude index) in percent, as the device scaled it; nil when the
    /// device sends none or its "no value"; default nil.
    var perfusionIndex: DecimalValue? { get }
}

extension OximetryWindowSample {
    public var annotations: MeasurementStatus { [] }
    public var perfusionIndex: DecimalValue? { nil }
}

/// Turns oximeter samples (60 Hz CMS50 frames, 3/s Nonin packets, 1/s Nonin format 8 frames) into
/// one SpO2 and one pulse-rate measurement per reporting window.
///
/// Windows follow the instants the daemon passes in: the first window opens at the instant of the
/// first samples and closes when an instant at least `intervalMs` later arrives; the next window
/// starts on the interval grid (start + k·interval), so reporting does not drift. A window without any
/// sample emits nothing (silence is the daemon's to report); a window whose samples carry no usable
/// value emits `value: nil` with the conditions seen and `not-available`. A perfusion index is reported the same way,
/// but only for a window in which some sample carried one: a device that sends none (or none without a finger) adds
/// no reading rather than an empty one every window.
public struct OximetryWindowAggregator<Sample: OximetryWindowSample>: Sendable {
    public let intervalMs: Int64
    private var windowStart: Instant?
    private var samples: [Sample] = []

    /// A signal level at or below this (CMS50 scale 0-8) is flagged `low-signal`.
    public static var lowSignalThreshold: Int { 1 }

    public init(intervalMs: Int64) { self.intervalMs = intervalMs }

    /// Closes the current window if `time` is at or past its end, or before its start: the wall clock stepped
    /// back (NTP, a technician), and waiting for the old end would pour up to that whole step — an hour — into
    /// one value and hide a desaturation in it. The next window then starts at `time`.
    public mutating func advance(to time: Instant) -> [DecodedMeasurement] {
        guard let start = windowStart else { return [] }
        if time < start {
            windowStart = nil // the next sample opens a window at its own instant
            return emit(takenAt: time)
        }
        guard time.milliseconds(since: start) >= intervalMs else { return [] }
        let elapsedWindows = time.milliseconds(since: start) / intervalMs
        let result = emit(takenAt: start.adding(milliseconds: intervalMs))
        windowStart = start.adding(milliseconds: elapsedWindows * intervalMs)
        return result
    }

    public mutating func add(_ newSamples: [Sample], at time: Instant) {
        guard !newSamples.isEmpty else { return }
        if windowStart == nil { windowStart = time }
        samples += newSamples
    }

    /// Emits what the window holds at the end of the stream, stamped with the window's end or `time` if earlier.
    public mutating func flush(at time: Instant) -> [DecodedMeasurement] {
        emit(takenAt: windowStart.map { min($0.adding(milliseconds: intervalMs), time) } ?? time)
    }

    /// The window's measurements carry the instant they stand for (its end on the grid), so consecutive windows
    /// never share a time, however late the chunk or tick that closes them arrives.
    private mutating func emit(takenAt: Instant) -> [DecodedMeasurement] {
        defer { samples = [] }
        guard !samples.isEmpty else { return [] }
        var measurements = [measurement(.spo2) { $0.spo2.map(DecimalValue.init) },
                            measurement(.pulseRateOximetry) { $0.pulseRate.map(DecimalValue.init) }]
        if samples.contains(where: { $0.perfusionIndex != nil }) { measurements.append(measurement(.perfusionIndex, \.perfusionIndex)) }
        return measurements.map {
            var stamped = $0
            stamped.takenAt = takenAt
            return stamped
        }
    }

    /// The value is the lower median of the window's valid samples: robust against the odd
    /// spike from motion, and always a value the device actually reported (no averaging, no
    /// half units invented).
    private func measurement(_ type: MeasurementType, _ value: (Sample) -> DecimalValue?) -> DecodedMeasurement {
        let valid = samples.filter { $0.conditions.isEmpty && value($0) != nil }
        var conditions: MeasurementStatus = samples.reduce(into: []) { $0.formUnion($1.conditions) }
        let used = valid.isEmpty ? samples : valid
        for sample in used { conditions.formUnion(sample.annotations) }
        let signalSamples = valid.isEmpty ? samples.filter { !$0.conditions.contains(.sensorOff) } : valid
        if let signal = Self.lowerMedian(signalSamples.compactMap(\.signalLevel)), signal <= Self.lowSignalThreshold {
            conditions.insert(.lowSignal)
        }
        guard let median = Self.lowerMedian(valid.compactMap(value)) else {
            conditions.insert(.notAvailable)
            return DecodedMeasurement(type: type, value: nil, status: conditions, rawFrame: samples.last?.frame ?? [])
        }
        // Some samples of the window were unusable: the value stands, but is marked questionable.
        if valid.count < samples.count { conditions.insert(.questionable) }
        return DecodedMeasurement(type: type, value: median, status: conditions, rawFrame: valid.last?.frame ?? [])
    }

    static func lowerMedian<Value: Comparable>(_ values: [Value]) -> Value? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[(values.count - 1) / 2]
    }
}

import Glibc
import IoMTAlerts
import IoMTConfiguration
import IoMTCore
import IoMTStore

/// `iomtctl trend CODE [--patient ID] [--since 24h] …`: a measurement over time as a terminal chart,
/// with the configured alert thresholds marked, because a nurse would rather look than read.
enum TrendCommand {
    static let usage = "usage: iomtctl trend CODE [--patient PESEL] [--since 24h|TIME] [--until TIME] [--config FILE] [--state-dir DIR | --db FILE] [--width N] [--height N] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        let patient = try arguments.patient()
        let sinceText = try arguments.option("--since") ?? "24h"
        let untilText = try arguments.option("--until")
        let config = try arguments.option("--config") ?? DaemonConfiguration.defaultPath
        let widthText = try arguments.option("--width")
        let heightText = try arguments.option("--height")
        let json = arguments.flag("--json")
        let code = try arguments.required("CODE (e.g. spo2, pulse, systolic, MDC_PULS_OXIM_SAT_O2, 2708-6)", usage: usage)
        try arguments.finish()
        guard let type = MeasurementLookup.find(code) else {
            throw CLIError(message: "unknown measurement '\(code)'", hint: "known: \(MeasurementLookup.aliases.keys.sorted().joined(separator: ", ")), or an MDC reference id / LOINC code", exitCode: .usage)
        }
        let now = SystemClock().now()
        let until = try untilText.map { text throws(CLIError) in try parseTime(text, option: "--until", now: now) } ?? now
        let since = try parseTime(sinceText, option: "--since", now: until)
        guard since < until else { throw CLIError(message: "--since must be before --until", exitCode: .usage) }

        let store = try StoreLocation.open(path)
        let rows: [StoredObservation]
        do { rows = try await store.readings(measurement: type.mdcRefId, since: since, until: until, patientId: patient) } catch {
            throw CLIError(message: "cannot read readings: \(error)", exitCode: .failed)
        }
        // An overnight oximetry session's series: one point per sample.
        let readings = rows.flatMap(\.observation.evaluatedReadings).filter { $0.correctedTime >= since && $0.correctedTime < until }
        let points = readings.compactMap { observation -> (Int64, DecimalValue)? in
            if observation.type.mdcRefId == type.mdcRefId, let value = observation.value { return (observation.correctedTime.millisecondsSinceEpoch, value) }
            if let component = observation.components.first(where: { $0.type.mdcRefId == type.mdcRefId }), let value = component.value {
                return (observation.correctedTime.millisecondsSinceEpoch, value)
            }
            return nil
        }
        let thresholds = thresholdsFor(type.mdcRefId, config: config)
        let unit = readings.first { $0.type.mdcRefId == type.mdcRefId }?.unit
            ?? readings.lazy.compactMap { $0.components.first { $0.type.mdcRefId == type.mdcRefId }?.unit }.first ?? type.defaultUnit
        if json {
            print(JSONValue.object([
                ("measurement", .string(type.mdcRefId)), ("unit", .string(unit)), ("since", .string(since.iso8601)), ("until", .string(until.iso8601)),
                ("points", .array(points.map { .object([("time", .string(Instant(millisecondsSinceEpoch: $0.0).iso8601)), ("value", .number($0.1))]) })),
                ("thresholds", .array(thresholds.map { .object([("value", .string(String($0.value))), ("rule", .string($0.label)), ("lowerLimit", .bool($0.isLowerLimit))]) })),
            ]).serialized())
            return
        }
        guard !points.isEmpty else {
            print("no \(type.mdcRefId) readings between \(since.iso8601) and \(until.iso8601)\(patient == nil ? "" : " for this patient")")
            return
        }
        let columns = try dimension(widthText, option: "--width", default: TerminalSize.columns() ?? 80, range: 20...1000)
        let height = try dimension(heightText, option: "--height", default: 12, range: 4...100)
        let digits = points.map(\.1.fractionDigits).max() ?? 0
        let chart = TrendChart(points: points.map { ($0.0, $0.1.doubleValue) }, thresholds: thresholds, start: since.millisecondsSinceEpoch,
                               end: until.millisecondsSinceEpoch, totalWidth: columns, plotHeight: height, fractionDigits: digits)
        let values = points.map(\.1)
        let low = values.min { $0.doubleValue < $1.doubleValue }!, high = values.max { $0.doubleValue < $1.doubleValue }!
        let heading = "\(type.mdcRefId) (\(type.display))"
        let title = String(heading.prefix(columns)) + "\n" + String("\(points.count) reading(s) in \(unit), min \(low), max \(high); times UTC".prefix(columns))
        let spansDays = until.millisecondsSinceEpoch - since.millisecondsSinceEpoch > 2 * 86_400_000
        for line in chart.render(title: title, timeLabel: { label($0, withDate: spansDays) }) { print(line) }
        if thresholds.isEmpty { print("(no alert rule for \(type.mdcRefId) in \(config))") }
    }

    /// Threshold rules for the measurement from the configuration: its rule file, then its inline rules.
    static func thresholdsFor(_ refId: String, config: String) -> [TrendChart.Threshold] {
        guard let text = try? FileIO.readText(config), let configuration = try? DaemonConfiguration.parse(text, file: config) else { return [] }
        var rules = configuration.rules
        if let path = configuration.alertRulesFile, let fileText = try? FileIO.readText(path), let set = try? RuleFileParser.parse(fileText, file: path) {
            rules = set.rules + rules
        }
        var result: [TrendChart.Threshold] = []
        for rule in rules {
            // Per-patient overrides are keyed by a patient reference the chart cannot match; defaults only.
            guard rule.patient == nil, case let .threshold(measurement, below, above) = rule.kind, measurement == refId else { continue }
            if let below { result.append(.init(value: below.doubleValue, label: "below \(below): \(rule.id) (\(rule.priority.rawValue))", isLowerLimit: true)) }
            if let above { result.append(.init(value: above.doubleValue, label: "above \(above): \(rule.id) (\(rule.priority.rawValue))", isLowerLimit: false)) }
        }
        return result
    }

    /// "24h", "90m", "7d", "30s" before `reference`, or an ISO 8601 time.
    static func parseTime(_ text: String, option: String, now reference: Instant) throws(CLIError) -> Instant {
        if let instant = Instant(iso8601: text) { return instant }
        let units: [Character: Int64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        if let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count > 0 {
            return reference.adding(milliseconds: -count.multipliedSaturated(by: unit))
        }
        throw CLIError(message: "\(option): expected a duration (30m, 24h, 7d) or ISO 8601 time, found '\(text)'", exitCode: .usage)
    }

    static func dimension(_ text: String?, option: String, default value: Int, range: ClosedRange<Int>) throws(CLIError) -> Int {
        guard let text else { return min(range.upperBound, max(range.lowerBound, value)) }
        guard let number = Int(text), range.contains(number) else {
            throw CLIError(message: "\(option): expected a number from \(range.lowerBound) to \(range.upperBound), found '\(text)'", exitCode: .usage)
        }
        return number
    }

    static func label(_ milliseconds: Int64, withDate: Bool) -> String {
        let iso = Instant(millisecondsSinceEpoch: milliseconds).iso8601 // 2026-11-23T10:00:00.000Z
        let time = String(iso.dropFirst(11).prefix(5))
        return withDate ? String(iso.dropFirst(5).prefix(5)) + " " + time : time
    }
}

/// Measurement codes a technician can type: short aliases, MDC reference ids, LOINC codes.
enum MeasurementLookup {
    static let aliases: [String: MeasurementType] = [
        "spo2": .spo2, "pulse": .pulseRateOximetry, "pi": .perfusionIndex, "systolic": .systolic, "sys": .systolic,
        "diastolic": .diastolic, "dia": .diastolic, "map": .meanArterial, "bp-pulse": .pulseRateBloodPressure,
        "heart-rate": .heartRate, "hr": .heartRate, "temperature": .bodyTemperature, "temp": .bodyTemperature,
        "weight": .bodyWeight, "fev1": .fev1, "fvc": .fvc, "pef": .pef, "fev1-fvc": .fev1FvcRatio, "fef25-75": .fef2575,
    ]

    static func find(_ code: String) -> MeasurementType? {
        if let alias = aliases[code.lowercased()] { return alias }
        return MeasurementType.all.first { $0.mdcRefId == code.uppercased() || $0.loinc == code || String($0.mdcCode) == code }
    }
}

/// The terminal's width (TIOCGWINSZ on stdout, then $COLUMNS).
enum TerminalSize {
    static func columns() -> Int? {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let env = getenv("COLUMNS"), let value = Int(String(cString: env)), value > 0 { return value }
        return nil
    }
}

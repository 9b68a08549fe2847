import IoMTCore

/// Turns lines into report measurements (README.md, "Report rules"). Pure state machine: a report
/// is emitted only when its end marker arrives, complete and consistent; a torn or garbled report is
/// dropped whole, so no value is ever emitted from a report that was not read in full.
public struct TextReportParser: Sendable {
    public let format: TextReportFormat

    private struct Entry: Sendable { var field: TextReportFormat.Field; var value: DecimalValue?; var status: MeasurementStatus }
    private var inReport = false
    private var entries: [Entry] = []
    private var grade: String?
    private var raw: [UInt8] = []
    private var problem: String?

    public init(format: TextReportFormat) { self.format = format }

    public struct Step: Sendable {
        public var measurements: [DecodedMeasurement] = []
        /// Reasons reports were dropped.
        public var rejections: [String] = []
        /// Bytes of lines outside any report that were not understood (noise, other printouts).
        public var discardedBytes = 0
    }

    /// The most a report may hold before its end marker: a started report followed by endless blank lines or
    /// noise (a printer stuck, a wrong baud rate) is dropped there instead of growing the buffer for ever.
    /// Far above any real printout (a few dozen lines), and above 16 lines of the longest allowed line.
    public static let maxReportBytes = 64 * 1024

    public mutating func consume(_ line: TextLineFramer.Line) -> Step {
        var step = consumeLine(line)
        if inReport, raw.count > Self.maxReportBytes {
            step.rejections.append("report longer than \(Self.maxReportBytes) bytes without end marker")
            step.discardedBytes += raw.count
            reset()
        }
        return step
    }

    private mutating func consumeLine(_ line: TextLineFramer.Line) -> Step {
        var step = Step()
        if line.isCorrupt {
            if inReport { problem = problem ?? "unreadable line (noise or a line longer than \(format.maxLineLength))"; raw += line.raw }
            else { step.discardedBytes += line.raw.count }
            return step
        }
        let text = line.text.trimmed
        if text.isEmpty {
            if inReport { raw += line.raw }
            return step
        }
        if text == format.reportEnd {
            guard inReport else { step.discardedBytes += line.raw.count; return step }
            raw += line.raw
            if let problem { step.rejections.append(problem) }
            else if entries.isEmpty { step.rejections.append("report without any field") }
            else { step.measurements = measurements() }
            reset()
            return step
        }
        if let start = format.reportStart, text == start {
            if inReport { step.rejections.append("report without end marker (a new report started)") }
            reset()
            inReport = true
            raw = line.raw
            return step
        }
        guard let split = text.firstRange(of: format.separator) else {
            // Titles and other lines without a label are part of the printout, not data.
            if inReport { raw += line.raw } else { step.discardedBytes += line.raw.count }
            return step
        }
        let label = text[..<split.lowerBound].trimmed
        let rest = text[split.upperBound...].trimmed
        let field = format.fields.first { $0.label == label }
        let isQuality = format.qualityLabel == label
        if !inReport {
            guard field != nil || isQuality, format.reportStart == nil else { step.discardedBytes += line.raw.count; return step }
            inReport = true
        }
        raw += line.raw
        if isQuality {
            if grade != nil { problem = problem ?? "quality grade printed twice" }
            grade = rest
        } else if let field {
            if entries.contains(where: { $0.field.label == label }) { problem = problem ?? "\(label) printed twice" }
            switch parseValue(rest, field: field) {
            case let .success(entry): entries.append(entry)
            case let .failure(reason): problem = problem ?? "\(label): \(reason.text)"
            }
        }
        return step
    }

    /// End of stream: a report still open was not read in full and is dropped.
    public mutating func finish() -> Step {
        var step = Step()
        if inReport { step.rejections.append("report without end marker (stream ended)") }
        reset()
        return step
    }

    public var pendingReportByteCount: Int { raw.count }

    private struct Reason: Error { let text: String }

    private func parseValue(_ text: String, field: TextReportFormat.Field) -> Result<Entry, Reason> {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let number = tokens.first, tokens.count <= 2 else { return .failure(Reason(text: "expected a value and an optional unit")) }
        if tokens.count == 2, tokens[1] != field.unit {
            return .failure(Reason(text: "unit \"\(tokens[1])\" is not the profile's \"\(field.unit)\""))
        }
        if format.missingValues.contains(String(number)) {
            return .success(Entry(field: field, value: nil, status: [.notAvailable]))
        }
        guard let value = DecimalValue(number), !number.hasPrefix("+") else { return .failure(Reason(text: "\"\(number)\" is not a decimal number")) }
        let fraction = number.firstIndex(of: ".").map { number.distance(from: $0, to: number.endIndex) - 1 } ?? 0
        if let decimals = field.decimals, fraction > decimals {
            return .failure(Reason(text: "\(fraction) decimals, the profile allows \(decimals)"))
        }
        return .success(Entry(field: field, value: value, status: []))
    }

    private func measurements() -> [DecodedMeasurement] {
        var gradeStatus: MeasurementStatus = []
        if let grade { gradeStatus = format.qualityGrades[grade] ?? [.questionable] }
        return entries.map { entry in
            DecodedMeasurement(type: entry.field.type, value: entry.value, unit: entry.field.unit,
                               status: entry.status.union(gradeStatus), rawFrame: raw)
        }
    }

    private mutating func reset() {
        inReport = false; entries = []; grade = nil; raw = []; problem = nil
    }
}

import IoMTCore

/// Properties the text-report driver keeps whatever the bytes (Fuzz/TextReportFramer and its
/// regression tests): chunking never changes the output, every byte is accounted for by the line
/// framer, and every emitted value was printed verbatim on a field line of its report.
public enum TextReportInvariants {
    /// The generic spirometer layout (DeviceProfiles/generic-spirometer-text-report.json), built in.
    public static let spirometerFormat = TextReportFormat(
        reportStart: "SPIROMETRY REPORT", reportEnd: "END OF REPORT",
        fields: [
            .init(label: "FVC", type: .fvc, unit: "L", decimals: 2),
            .init(label: "FEV1", type: .fev1, unit: "L", decimals: 2),
            .init(label: "FEV1/FVC", type: .fev1FvcRatio, unit: "%", decimals: 1),
            .init(label: "PEF", type: .pef, unit: "L/s", decimals: 2),
            .init(label: "FEF25-75", type: .fef2575, unit: "L/s", decimals: 2),
        ],
        qualityLabel: "QUALITY", qualityGrades: ["A": [], "F": [.invalid]], missingValues: ["---"], maxLineLength: 120)

    public static func violation(in bytes: [UInt8], format: TextReportFormat = spirometerFormat) -> String? {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        var framer = TextLineFramer(maxLength: format.maxLineLength)
        let lines = framer.push(bytes)
        if lines.reduce(0, { $0 + $1.raw.count }) + framer.pendingByteCount != bytes.count { return "line framer lost bytes" }
        if lines.contains(where: { $0.raw.count > format.maxLineLength + 2 }) { return "a line longer than the limit was kept whole" }

        var whole = TextReportSession(format: format)
        var wholeOutput = whole.ingest(bytes, at: Instant(millisecondsSinceEpoch: 0))
        wholeOutput.append(whole.finish(at: Instant(millisecondsSinceEpoch: 0)))
        var parts = TextReportSession(format: format)
        var partsOutput = parts.ingest(Array(bytes[..<split]), at: Instant(millisecondsSinceEpoch: 0))
        partsOutput.append(parts.ingest(Array(bytes[split...]), at: Instant(millisecondsSinceEpoch: 0)))
        partsOutput.append(parts.finish(at: Instant(millisecondsSinceEpoch: 0)))
        if wholeOutput.measurements != partsOutput.measurements { return "chunking changed the measurements" }

        let printed = String(decoding: bytes, as: UTF8.self)
        for measurement in wholeOutput.measurements {
            if let value = measurement.value {
                guard printed.contains(value.description) else { return "invented value \(value)" }
                guard measurement.rawFrame.count <= bytes.count else { return "raw frame longer than the input" }
            } else if !measurement.status.contains(.notAvailable) {
                return "missing value without not-available"
            }
        }
        return nil
    }
}

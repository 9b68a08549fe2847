import IoMTForward
import IoMTFHIR
import IoMTAlerts
import IoMTCore
import IoMTStore

/// `iomtctl readings export [--state-dir DIR | --db FILE] [--since INSTANT] [--limit N]`: stored readings as
/// NDJSON, oldest first — the input `iomtctl rules test --readings` takes. No patient identifiers.
enum ReadingsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let action = arguments.next()
        guard action == "export" || action == "tail" else {
            throw CLIError(message: "expected 'readings export' or 'readings tail'", hint: "see iomtctl help readings", exitCode: .usage)
        }
        let path = try StoreLocation.path(&arguments)
        let sinceText = try arguments.option("--since")
        let since = try sinceText.map { text throws(CLIError) -> Instant in
            guard let instant = Instant(iso8601: text) else {
                throw CLIError(message: "--since: expected an ISO 8601 instant such as 2026-11-23T00:00:00Z, found \"\(text)\"", exitCode: .usage)
            }
            return instant
        }
        let formatText = try arguments.option("--format") ?? "ndjson"
        guard let format = ReadingFormat(rawValue: formatText) else {
            throw CLIError(message: "--format: expected ndjson, csv or fhir, found \"\(formatText)\"", exitCode: .usage)
        }
        let gatewayId = try arguments.option("--gateway-id") ?? FHIRPreview.defaultGatewayId
        let count = try CLINumbers.positive(try arguments.option("-n"), option: "-n") ?? 10
        let follow = arguments.flag("--follow") || arguments.flag("-f")
        let limit = try CLINumbers.positive(try arguments.option("--limit"), option: "--limit") ?? Int.max
        try arguments.finish()
        let store = try StoreLocation.open(path)
        let writer = ReadingWriter(format: format, gatewayId: gatewayId)
        writer.header()
        if action == "tail" {
            // The last N readings, then (with --follow) each new one as it is committed.
            var after: Int64 = 0
            do {
                let recent = try await store.recent(limit: count).reversed()
                for row in recent { writer.write(row) }
                after = recent.last?.id ?? 0
                while follow {
                    try? await Task.sleep(for: .milliseconds(500))
                    let page = try await store.readings(afterId: after, limit: 1000)
                    for row in page { writer.write(row) }
                    after = page.last?.id ?? after
                }
            } catch { throw CLIError(message: "cannot read readings: \(error)", exitCode: .failed) }
            return
        }
        var after: Int64 = 0
        var written = 0
        while written < limit {
            let page: [StoredObservation]
            do { page = try await store.readings(afterId: after, limit: min(1000, limit - written)) } catch {
                throw CLIError(message: "cannot read readings: \(error)", exitCode: .failed)
            }
            guard let last = page.last else { break }
            for row in page where since.map({ row.observation.receivedAt >= $0 }) ?? true {
                writer.write(row)
                written += 1
            }
            after = last.id
        }
    }
}

enum ReadingFormat: String {
    /// The decode contract plus ids and times, no patient identifiers (the input of `rules test`).
    case ndjson
    /// One row per value (blood-pressure components get a row each; a session's summary figures and then each sample of
    /// its series, at the sample's time), no patient identifiers.
    case csv
    /// One FHIR Observation per line, exactly as uploaded (PHD IG), subject included.
    case fhir
}

struct ReadingWriter {
    let format: ReadingFormat
    let gatewayId: String

    func header() {
        if format == .csv { print("id,correctedTime,receivedAt,device,code,mdc,loinc,value,unit,status") }
    }

    func write(_ row: StoredObservation) {
        switch format {
        case .ndjson:
            print(ReadingRecord.json(id: row.id, observation: row.observation).serialized())
        case .csv:
            let o = row.observation
            let values: [(MeasurementType, DecimalValue?, String, MeasurementStatus)] = o.components.isEmpty
                ? [(o.type, o.value, o.unit, o.status)] : o.components.map { ($0.type, $0.value, $0.unit, $0.status) }
            for (type, value, unit, status) in values {
                // A local code (a session figure) has no MDC code: empty, not 0.
                let fields = [String(row.id), o.correctedTime.iso8601, o.receivedAt.iso8601, o.device.key, type.mdcRefId, type.mdcCode == 0 ? "" : String(type.mdcCode),
                              type.loinc ?? "", value?.description ?? "", unit, status.sortedNames.joined(separator: " ")]
                print(fields.map(csvField).joined(separator: ","))
            }
            // A session's series: one row per sample at its own time (start + i × period), the row's id; a sample without
            // a valid value (no finger) keeps its row, empty, with status not-available, so the night's timeline is whole.
            for series in o.series {
                for (index, sample) in series.samples.enumerated() {
                    let time = o.correctedTime.adding(milliseconds: Int64(index) * series.periodMilliseconds)
                    let status = sample == nil ? "not-available" : o.status.sortedNames.joined(separator: " ")
                    let fields = [String(row.id), time.iso8601, o.receivedAt.iso8601, o.device.key, series.type.mdcRefId, String(series.type.mdcCode),
                                  series.type.loinc ?? "", sample.map(String.init) ?? "", series.unit, status]
                    print(fields.map(csvField).joined(separator: ","))
                }
            }
        case .fhir:
            let wireFormat = FHIRPHDWireFormat(gateway: GatewayIdentity(systemId: gatewayId, serialNumber: gatewayId, softwareVersion: ProductVersion.current))
            guard let bundle = try? JSONValue.parse(bytes: wireFormat.encode([row])) else { return }
            for entry in bundle["entry"]?.arrayValue ?? [] where entry["resource"]?["resourceType"]?.stringValue == "Observation" {
                if let resource = entry["resource"] { print(resource.serialized()) }
            }
        }
    }

    /// RFC 4180: quote a field holding a comma, quote or line break; double the quotes.
    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

enum CLINumbers {
    static func positive(_ text: String?, option: String) throws(CLIError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value > 0 else {
            throw CLIError(message: "\(option): expected a positive integer, found \"\(text)\"", exitCode: .usage)
        }
        return value
    }
}

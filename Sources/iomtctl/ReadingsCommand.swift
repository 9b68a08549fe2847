import IoMTAlerts
import IoMTCore
import IoMTStore

/// `iomtctl readings export [--state-dir DIR | --db FILE] [--since INSTANT] [--limit N]`: stored readings as
/// NDJSON, oldest first — the input `iomtctl rules test --readings` takes. No patient identifiers.
enum ReadingsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        guard arguments.next() == "export" else {
            throw CLIError(message: "expected 'readings export'", hint: "see iomtctl help readings", exitCode: 2)
        }
        let path = try StoreLocation.path(&arguments)
        let sinceText = try arguments.option("--since")
        let since = try sinceText.map { text throws(CLIError) -> Instant in
            guard let instant = Instant(iso8601: text) else {
                throw CLIError(message: "--since: expected an ISO 8601 instant such as 2026-11-23T00:00:00Z, found \"\(text)\"", exitCode: 2)
            }
            return instant
        }
        let limit = try CLINumbers.positive(try arguments.option("--limit"), option: "--limit") ?? Int.max
        try arguments.finish()
        let store = try StoreLocation.open(path)
        var after: Int64 = 0
        var written = 0
        while written < limit {
            let page: [StoredObservation]
            do { page = try await store.readings(afterId: after, limit: min(1000, limit - written)) } catch {
                throw CLIError(message: "cannot read readings: \(error)", exitCode: 1)
            }
            guard let last = page.last else { break }
            for row in page where since.map({ row.observation.receivedAt >= $0 }) ?? true {
                print(ReadingRecord.json(id: row.id, observation: row.observation).serialized())
                written += 1
            }
            after = last.id
        }
    }
}

enum CLINumbers {
    static func positive(_ text: String?, option: String) throws(CLIError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value > 0 else {
            throw CLIError(message: "\(option): expected a positive integer, found \"\(text)\"", exitCode: 2)
        }
        return value
    }
}

import Glibc
import IoMTControl
import IoMTCore
import IoMTStore

/// `iomtctl store check [--state-dir DIR | --db FILE] [--json]`: integrity (PRAGMA quick_check), schema version
/// and row counts, read-only, beside a running daemon too. `iomtctl store recover --from FILE --to NEWFILE`:
/// copies what is still readable out of a damaged (or moved-aside) store into a new store file.
enum StoreCommand {
    static let usage = "usage: iomtctl store check [--state-dir DIR | --db FILE] [--json] | iomtctl store recover --from FILE --to NEWFILE"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        switch arguments.next() {
        case "check": try check(&arguments)
        case "recover": try recover(&arguments)
        case let other?: throw CLIError(message: "unknown action '\(other)'", hint: usage, exitCode: .usage)
        case nil: throw CLIError(message: "missing action", hint: usage, exitCode: .usage)
        }
    }

    static func check(_ arguments: inout CommandArguments) throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        let report = StoreIntegrity.check(path: path)
        if json {
            print(JSONValue.object([
                ("path", .string(report.path)),
                ("healthy", .bool(report.healthy)),
                ("integrity", .array(report.integrity.map { .string($0) })),
                ("schemaVersion", report.schemaVersion.map { .number($0) } ?? .null),
                ("expectedSchemaVersion", .number(report.expectedSchemaVersion)),
                ("counts", .object(report.counts.map { ($0.table, .number($0.rows)) })),
            ]).serialized())
        } else {
            print("store       \(report.path)")
            print("integrity   \(report.integrity.prefix(10).joined(separator: "\n            "))")
            print("schema      \(report.schemaVersion.map(String.init) ?? "unreadable") (this release: \(report.expectedSchemaVersion))")
            for (table, rows) in report.counts { print("\(table.padding(12))\(rows)") }
            if !report.healthy {
                print("""
                    PROBLEMS FOUND. The daemon moves a corrupt store aside at its next start (keeping it as
                    \(path).corrupt-<time>) and starts a new one; copy what is readable with
                    iomtctl store recover --from FILE --to NEWFILE. A schema version other than this release's means
                    the store belongs to another iomtd version.
                    """)
            }
        }
        if !report.healthy { exit(ExitCode.failed.rawValue) } // the report above is the message
    }

    static func recover(_ arguments: inout CommandArguments) throws(CLIError) {
        guard let from = try arguments.option("--from"), let to = try arguments.option("--to") else {
            throw CLIError(message: "recover needs --from FILE (the damaged store) and --to NEWFILE (a new store file)", hint: usage, exitCode: .usage)
        }
        try arguments.finish()
        guard FileIO.exists(from) else { throw CLIError(message: "no store at \(from)", exitCode: .failed) }
        guard !FileIO.exists(to) else {
            throw CLIError(message: "\(to) exists; recover writes a new file only", hint: "give a new --to path, then stop iomtd and put it in place of the store", exitCode: .usage)
        }
        let result: StoreRecovery.Result
        do { result = try StoreRecovery.copyReadable(from: from, to: to) } catch {
            throw CLIError(message: "recovery failed: \(error)", exitCode: .failed)
        }
        for table in result.tables { print("\(table.name.padding(24))\(table.copied) copied, \(table.unreadable) unreadable") }
        print("wrote \(to). To use it: stop iomtd, move the store aside, move \(to) to the store's path, start iomtd.")
        if result.tables.contains(where: { $0.unreadable > 0 }) { exit(ExitCode.failed.rawValue) }
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

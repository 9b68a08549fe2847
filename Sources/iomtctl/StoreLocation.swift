import IoMTCore
import IoMTStore

/// Which store file a read-only command looks at: `--db FILE`, `--state-dir DIR` (DIR/iomtd.sqlite) or the
/// packaged default /var/lib/iomtd/iomtd.sqlite. The daemon may be running: WAL lets us read beside it.
enum StoreLocation {
    static let defaultStateDirectory = "/var/lib/iomtd"
    /// The queue shown when the store holds none yet, or several and no `--destination` picks one.
    static let primaryDestination = "dom"

    static func path(_ arguments: inout CommandArguments) throws(CLIError) -> String {
        let db = try arguments.option("--db")
        let stateDir = try arguments.option("--state-dir")
        if db != nil && stateDir != nil { throw CLIError(message: "give either --db FILE or --state-dir DIR, not both", exitCode: .usage) }
        return db ?? ((stateDir ?? defaultStateDirectory) + "/iomtd.sqlite")
    }

    /// Opens an existing store strictly read-only (SQLITE_OPEN_READONLY): never creates, migrates or changes
    /// one (a typo must not look like an empty, healthy gateway, and looking must not touch the daemon's file).
    static func open(_ path: String) throws(CLIError) -> Store {
        guard FileIO.exists(path) else {
            throw CLIError(message: "no store at \(path)", hint: "pass --state-dir DIR (the daemon's stateDirectory) or --db FILE", exitCode: .failed)
        }
        do { return try Store(readOnlyPath: path, configuration: StoreConfiguration(destinations: [primaryDestination])) } catch {
            throw CLIError(message: "cannot read the store: \(error)", hint: "check the file's permissions (run as the iomtd user or root)", exitCode: .failed)
        }
    }

    static func stats(_ store: Store, destination: String) async throws(CLIError) -> DeliveryStats {
        do { return try await store.stats(destination: destination) } catch {
            throw CLIError(message: "cannot read delivery stats: \(error)", exitCode: .failed)
        }
    }

    /// The delivery queues the store holds (`dom`, `mqtt`, …), sorted; `dom` alone for a store with none yet.
    static func destinations(_ store: Store) async throws(CLIError) -> [String] {
        do {
            let known = try await store.knownDestinations()
            return known.isEmpty ? [primaryDestination] : known
        } catch {
            throw CLIError(message: "cannot read the store's destinations: \(error)", exitCode: .failed)
        }
    }

    /// `--destination NAME` when given (it must be one of `known`, the store's queues), else `dom` when present, else the first.
    static func destination(_ option: String?, among known: [String]) throws(CLIError) -> String {
        guard let option else { return known.contains(primaryDestination) ? primaryDestination : known[0] }
        guard known.contains(option) else {
            throw CLIError(message: "--destination: expected one of \(known.joined(separator: ", ")), found \"\(option)\"", exitCode: .usage)
        }
        return option
    }
}

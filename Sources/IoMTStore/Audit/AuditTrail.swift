import IoMTCore

/// The audit table: who changed the record, what and when (never a patient identifier). One of the store's concerns:
/// it owns its SQL and works on the store's connection inside the `Store` actor; `Store` opens the transactions.
final class AuditTrail {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) { self.connection = connection }

    /// Usable inside another transaction (autocommits otherwise).
    func record(actor: String, action: String, detail: String, at time: Instant) throws(StoreError) {
        let insert = try connection.statement("INSERT INTO audit (time_ms, actor, action, detail) VALUES (?, ?, ?, ?)")
        try insert.bind(time.millisecondsSinceEpoch, at: 1)
        try insert.bind(actor, at: 2)
        try insert.bind(action, at: 3)
        try insert.bind(detail, at: 4)
        try insert.run()
    }

    /// Entries, newest first: (time, actor, action, detail).
    func entries(limit: Int) throws(StoreError) -> [(Instant, String, String, String)] {
        let select = try connection.statement("SELECT time_ms, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?")
        defer { select.reset() }
        try select.bind(limit, at: 1)
        var result: [(Instant, String, String, String)] = []
        while try select.step() {
            result.append((Instant(millisecondsSinceEpoch: select.int64(0)), select.text(1) ?? "", select.text(2) ?? "", select.text(3) ?? ""))
        }
        return result
    }
}

import IoMTCore

extension Store {
    public func audit(actor: String, action: String, detail: String, at time: Instant) throws(StoreError) {
        try insertAudit(actor: actor, action: action, detail: detail, at: time)
    }

    /// Audit entries, newest first: (time, actor, action, detail).
    public func auditLog(limit: Int) throws(StoreError) -> [(Instant, String, String, String)] {
        let select = try connection.statement("SELECT time_ms, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?")
        defer { select.reset() }
        try select.bind(limit, at: 1)
        var result: [(Instant, String, String, String)] = []
        while try select.step() {
            result.append((Instant(millisecondsSinceEpoch: select.int64(0)), select.text(1) ?? "", select.text(2) ?? "", select.text(3) ?? ""))
        }
        return result
    }

    /// Usable inside another transaction (autocommits otherwise).
    func insertAudit(actor: String, action: String, detail: String, at time: Instant) throws(StoreError) {
        let insert = try connection.statement("INSERT INTO audit (time_ms, actor, action, detail) VALUES (?, ?, ?, ?)")
        try insert.bind(time.millisecondsSinceEpoch, at: 1)
        try insert.bind(actor, at: 2)
        try insert.bind(action, at: 3)
        try insert.bind(detail, at: 4)
        try insert.run()
    }
}

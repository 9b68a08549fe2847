import IoMTCore

extension Store {
    public func audit(actor: String, action: String, detail: String, at time: Instant) throws(StoreError) {
        try auditTrail.record(actor: actor, action: action, detail: detail, at: time)
    }

    /// Audit entries, newest first: (time, actor, action, detail).
    public func auditLog(limit: Int) throws(StoreError) -> [(Instant, String, String, String)] {
        try auditTrail.entries(limit: limit)
    }
}

import IoMTCore

/// Which quarantined rows `requeueQuarantined` puts back in the delivery queue.
public enum RequeueSelection: Sendable, Hashable {
    case all
    /// Rows whose quarantine reason contains this text.
    case reason(String)
    case ids([Int64])

    var auditText: String {
        switch self {
        case .all: return "all"
        case let .reason(text): return "reason containing \"\(text)\""
        case let .ids(ids): return "id " + ids.map(String.init).joined(separator: ",")
        }
    }
}

extension Store {
    /// Puts quarantined rows back to pending (the way back from quarantine, `iomtctl quarantine requeue`), with
    /// an audit entry naming `actor`. Returns how many rows went back. Each requeue is also logged in
    /// `delivery_requeues`; a daemon whose store is another process's connection sees the rows in its backlog
    /// through `delivery_counts` (DeliveryCounters.swift) at its next `stats`.
    public func requeueQuarantined(_ selection: RequeueSelection, destination: String, actor: String, at time: Instant) throws(StoreError) -> Int {
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let filter: String
            switch selection {
            case .all: filter = ""
            case .reason: filter = "AND instr(last_error_message, ?2) > 0"
            case .ids: filter = "AND reading_id IN (SELECT value FROM json_each(?2))"
            }
            let update = try connection.statement("""
                UPDATE delivery SET state = \(DeliveryState.pending.rawValue), last_error_kind = 'requeued'
                WHERE destination = ?1 AND state = \(DeliveryState.quarantined.rawValue) \(filter)
                """)
            defer { update.reset() }
            try update.bind(destination, at: 1)
            switch selection {
            case .all: break
            case let .reason(text): try update.bind(text, at: 2)
            case let .ids(ids): try update.bind(Store.jsonArray(ids), at: 2)
            }
            try update.run()
            let changed = connection.changes
            guard changed > 0 else { return 0 }
            let log = try connection.statement("INSERT INTO delivery_requeues (destination, count, actor, time_ms) VALUES (?1, ?2, ?3, ?4)")
            try log.bind(destination, at: 1)
            try log.bind(changed, at: 2)
            try log.bind(actor, at: 3)
            try log.bind(time.millisecondsSinceEpoch, at: 4)
            try log.run()
            try insertAudit(actor: actor, action: "requeue",
                            detail: "\(changed) quarantined reading(s) for \(destination) put back in the delivery queue (\(selection.auditText))", at: time)
            return changed
        }
        backlog[destination, default: 0] += changed
        return changed
    }
}

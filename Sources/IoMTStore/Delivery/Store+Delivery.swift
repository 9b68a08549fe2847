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
    /// Undelivered, unquarantined rows for a destination: alert-carrying rows first (by priority), then by id (keeps per-device order).
    public func pending(destination: String, limit: Int) throws(StoreError) -> [StoredObservation] {
        try readingTable.withSummaries(alertJournal.withInterpretations(deliveryQueue.pending(destination: destination, limit: limit)))
    }

    /// Pending rows without an alert (priority rank 3) after `readingId`, by id: what follows a batch of such
    /// rows in `pending` order as long as no row jumps the queue (compare `queueJumps`). The forwarder reads
    /// ahead with it while a request is in flight.
    public func pending(destination: String, limit: Int, afterReadingId readingId: Int64) throws(StoreError) -> [StoredObservation] {
        try readingTable.withSummaries(deliveryQueue.pending(destination: destination, limit: limit, afterReadingId: readingId))
    }

    /// Marks rows delivered in one transaction; only the rows that were still pending have their `identifiers`
    /// (the conditional-create identifier the destination accepted) enter the dedup ledger, in the same transaction.
    public func markDelivered(_ ids: [Int64], identifiers: [Int64: String] = [:], destination: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let changedIds = try deliveryQueue.markDelivered(ids, destination: destination, at: time)
            try dedupLedger.record(readingIds: changedIds, identifiers: identifiers, destination: destination, at: time)
            try deliveryQueue.recordSuccess(destination: destination, at: time)
            return changedIds.count
        }
        deliveryQueue.backlog[destination, default: 0] -= changed
    }

    /// Records a failed attempt (kind: "http-500", "timeout", "connect", …) without giving up on the rows.
    public func recordFailure(_ ids: [Int64], destination: String, kind: String, message: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try connection.transaction { () throws(StoreError) in
            try deliveryQueue.recordFailure(ids, destination: destination, kind: kind, message: message)
        }
    }

    /// Moves rows out of the delivery queue with the server's reason; visible through iomtctl.
    public func quarantine(_ ids: [Int64], destination: String, reason: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let changed = try deliveryQueue.quarantine(ids, destination: destination, reason: reason)
            try auditTrail.record(actor: "store", action: "quarantine", detail: "\(changed) reading(s) for \(destination): \(reason)", at: time)
            return changed
        }
        deliveryQueue.backlog[destination, default: 0] -= changed
    }

    /// Rows set aside, oldest first, with why: quarantined ones with the reason they were refused, held ones (no
    /// patient) with what attributes them — both wait for a human, so one listing shows both.
    public func quarantined(destination: String, limit: Int) throws(StoreError) -> [(StoredObservation, String)] {
        try deliveryQueue.quarantined(destination: destination, limit: limit)
    }

    public func stats(destination: String) throws(StoreError) -> DeliveryStats {
        try deliveryQueue.stats(destination: destination)
    }

    /// The destinations this store has queued readings for, sorted (from the counters: one index read). A reader
    /// that did not write the file (iomtctl) learns from it which queues exist: `dom`, `mqtt`, both or others.
    public func knownDestinations() throws(StoreError) -> [String] {
        try deliveryQueue.knownDestinations()
    }

    /// Puts quarantined rows back to pending (the way back from quarantine, `iomtctl quarantine requeue`), with
    /// an audit entry naming `actor`. Returns how many rows went back. Each requeue is also logged in
    /// `delivery_requeues`; a daemon whose store is another process's connection sees the rows in its backlog
    /// through `delivery_counts` (DeliveryCounters.swift) at its next `stats`.
    public func requeueQuarantined(_ selection: RequeueSelection, destination: String, actor: String, at time: Instant) throws(StoreError) -> Int {
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let changed = try deliveryQueue.requeueQuarantined(selection, destination: destination, actor: actor, at: time)
            guard changed > 0 else { return 0 }
            try auditTrail.record(actor: actor, action: "requeue",
                                  detail: "\(changed) quarantined reading(s) for \(destination) put back in the delivery queue (\(selection.auditText))", at: time)
            return changed
        }
        deliveryQueue.backlog[destination, default: 0] += changed
        return changed
    }
}

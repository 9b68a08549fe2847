import IoMTCore

/// One `insertAlerts` call waiting for the transaction that will carry its rows.
struct PendingAlerts {
    let events: [AlertEvent]
    let continuation: CheckedContinuation<Result<[Int64], StoreError>, Never>
}

extension Store {
    /// Stores alerts in the next group-commit transaction, beside readings that are being appended anyway,
    /// so an alert costs no fsync of its own on a busy gateway: the rows, the interpretation of the readings
    /// that fired them, and those readings' place at the front of the delivery queue. Returns once committed.
    public func insertAlerts(_ events: [AlertEvent]) async throws(StoreError) -> [Int64] {
        guard !events.isEmpty else { return [] }
        if let unavailableError { throw unavailableError }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Int64], StoreError>, Never>) in
            waitingAlerts.append(PendingAlerts(events: events, continuation: continuation))
            scheduleFlush() // a flush already scheduled for readings takes the alerts along
        }
        return try result.get()
    }

    public func insertAlert(_ event: AlertEvent) async throws(StoreError) -> Int64 {
        try await insertAlerts([event])[0]
    }

    /// Commits waiting alerts (and the alert engine's staged state) on their own (no readings were waiting).
    func flushWaitingAlerts() {
        guard !waitingAlerts.isEmpty || stagedEngineState != nil || !stagedEngineEvents.isEmpty else { return }
        let batch = waitingAlerts
        waitingAlerts = []
        let engineState = stagedEngineWrite
        var ids: [[Int64]] = []
        let outcome: Result<[Int64], StoreError>
        do {
            try connection.transaction { () throws(StoreError) in
                ids = try insertWaitingAlerts(batch)
                try writeStagedEngineState()
            }
            outcome = .success([])
        } catch {
            outcome = .failure(error)
            restageEngineState(engineState)
        }
        resumeAlerts(batch, ids: ids, outcome: outcome)
    }

    /// Inside a transaction: every waiting call's alerts, in order; the ids per call.
    func insertWaitingAlerts(_ batch: [PendingAlerts]) throws(StoreError) -> [[Int64]] {
        var result: [[Int64]] = []
        for pending in batch {
            var ids: [Int64] = []
            for event in pending.events {
                ids.append(try alertJournal.insertAlertRow(event))
                if let observationId = event.observationId { try raiseDeliveryPriority(event.priority, forObservation: observationId) }
            }
            result.append(ids)
        }
        return result
    }

    func resumeAlerts<Rows>(_ batch: [PendingAlerts], ids: [[Int64]], outcome: Result<Rows, StoreError>) {
        for (index, pending) in batch.enumerated() {
            switch outcome {
            case .success: pending.continuation.resume(returning: .success(ids[index]))
            case let .failure(error): pending.continuation.resume(returning: .failure(error))
            }
        }
    }
}

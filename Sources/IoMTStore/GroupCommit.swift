import IoMTCore

/// One `append` call waiting for the transaction that will carry its rows.
struct PendingAppend {
    let observations: [Observation]
    /// Download marks committed with these rows (Ledger/DeviceMarks.swift).
    var marks: [DeviceMarkUpdate] = []
    let continuation: CheckedContinuation<Result<[StoredReading], StoreError>, Never>
}

/// A reading as the store took it: its row id, the patient the store attributed it to (nil: held) and the binding
/// that did (nil: none).
public struct StoredReading: Sendable, Hashable {
    public let id: Int64
    public let patientId: String?
    public let bindingId: Int64?
}

/// Per-transaction state of a group commit (or of a compaction pass): the readings' and the delivery rows' statements,
/// the devices first stored and the readings stored held.
struct AppendContext {
    var readings: ReadingTable.InsertBatch
    var queue: DeliveryQueue.QueueBatch
    /// The patient each inserted reading got and the binding that gave it, in order of insertion.
    var attributions: [(patientId: String?, bindingId: Int64?)] = []
}

extension Store {
    func makeAppendContext() throws(StoreError) -> AppendContext {
        AppendContext(readings: try readingTable.makeInsertBatch(), queue: try deliveryQueue.makeQueueBatch())
    }

    /// Inserts one reading and its delivery rows; call inside a transaction. This is the one place a reading gets its
    /// patient: a home hub's readings carry theirs; in clinic mode the binding at the reading's time decides. A reading
    /// whose time is not trusted is never attributed by time. Without a patient its delivery rows are held, not queued.
    /// The row records the binding that attributed it; a reading that carries its patient keeps the binding it carries
    /// (a compaction summary, its readings').
    func insertReading(_ observation: Observation, context: inout AppendContext) throws(StoreError) -> Int64 {
        let attributable = observation.status.isDisjoint(with: StatusFlag.timeNotAttributable)
        let binding = observation.patientId == nil && attributable
            ? bindingBook.boundBinding(deviceKey: observation.device.key, at: observation.correctedTime) : nil
        let patient = observation.patientId ?? binding?.patientId
        let bindingId = observation.patientId == nil ? binding?.id : observation.bindingId
        let id = try readingTable.insert(observation, patient: patient, bindingId: bindingId, batch: &context.readings)
        try deliveryQueue.enqueue(readingId: id, held: patient == nil, batch: &context.queue)
        context.attributions.append((patient, bindingId))
        return id
    }

    /// Appends observations; concurrent callers share one transaction (group commit). Returns row ids once committed.
    ///
    /// The first caller schedules a flush on the actor; callers that reach the actor before the flush
    /// runs (including those queued while the previous COMMIT was in progress) join the same batch.
    public func append(_ observations: [Observation]) async throws(StoreError) -> [Int64] {
        try await append(observations, marks: [])
    }

    /// Appends observations and moves the devices' download marks in the same transaction: a mark never runs
    /// ahead of the readings it covers (a failed commit leaves both as they were).
    public func append(_ observations: [Observation], marks: [DeviceMarkUpdate]) async throws(StoreError) -> [Int64] {
        try await appendAttributing(observations, marks: marks).map(\.id)
    }

    /// `append`, answering also the patient each reading was attributed to and by which binding (the one step that
    /// decides it, `insertReading`): the alert engine evaluates a clinic reading with the patient its binding gave it.
    public func appendAttributing(_ observations: [Observation], marks: [DeviceMarkUpdate] = []) async throws(StoreError) -> [StoredReading] {
        if observations.isEmpty && marks.isEmpty { return [] }
        if let unavailableError { throw unavailableError }
        if refusingForSpace { throw .storageFull(usedBytes: storageUsedBytes, limitBytes: configuration.storage.maxBytes) }
        let undelivered = undeliveredIncludingQueued
        if !configuration.destinations.isEmpty, undelivered + observations.count > configuration.maxUndeliveredRows {
            throw .full(undelivered: undelivered, limit: configuration.maxUndeliveredRows)
        }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[StoredReading], StoreError>, Never>) in
            waiting.append(PendingAppend(observations: observations, marks: marks, continuation: continuation))
            waitingRows += observations.count
            scheduleFlush()
        }
        return try result.get()
    }

    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        Task { self.flushWaiting() }
    }

    /// Commits one batch (whole callers, up to `maxGroupCommitRows`, at least one caller) and resumes them.
    private func flushWaiting() {
        flushScheduled = false
        guard !waiting.isEmpty else { flushWaitingAlerts(); return }
        var takeCount = 0
        var rows = 0
        for pending in waiting {
            if takeCount > 0, rows + pending.observations.count > configuration.maxGroupCommitRows { break }
            takeCount += 1
            rows += pending.observations.count
        }
        let batch = Array(waiting.prefix(takeCount))
        waiting.removeFirst(takeCount)
        waitingRows -= rows

        var newDevices: [DeviceIdentity: Int64] = [:]
        var heldReadings = 0
        let alertBatch = waitingAlerts
        waitingAlerts = []
        var alertIds: [[Int64]] = []
        let engineState = stagedEngineWrite
        let outcome: Result<[StoredReading], StoreError>
        do {
            outcome = .success(try connection.transaction { () throws(StoreError) -> [StoredReading] in
                var context = try makeAppendContext()
                context.attributions.reserveCapacity(rows)
                defer { newDevices = context.readings.newDevices; heldReadings = context.queue.heldReadings }
                var ids: [Int64] = []
                ids.reserveCapacity(rows)
                for pending in batch {
                    for observation in pending.observations {
                        ids.append(try insertReading(observation, context: &context))
                    }
                    for mark in pending.marks { try deviceMarks.write(mark) }
                }
                alertIds = try insertWaitingAlerts(alertBatch)
                try writeStagedEngineState()
                return zip(ids, context.attributions).map { StoredReading(id: $0, patientId: $1.patientId, bindingId: $1.bindingId) }
            })
        } catch {
            outcome = .failure(error)
            restageEngineState(engineState)
        }
        resumeAlerts(alertBatch, ids: alertIds, outcome: outcome)
        switch outcome {
        case let .success(ids):
            committedAppendTransactions += 1
            noteStorageAfterCommit(rows: rows)
            readingTable.remember(newDevices: newDevices)
            for destination in configuration.destinations { deliveryQueue.backlog[destination, default: 0] += rows - heldReadings }
            var offset = 0
            for pending in batch {
                let count = pending.observations.count
                pending.continuation.resume(returning: .success(Array(ids[offset..<(offset + count)])))
                offset += count
            }
        case let .failure(error):
            for pending in batch { pending.continuation.resume(returning: .failure(error)) }
        }
        if !waiting.isEmpty { scheduleFlush() }
    }
}

import IoMTCore

/// The store's disk bound and the order in which room is made as it nears (docs/configuration.md, "Storage
/// policy"). Pages in use, not the file's size, are measured: SQLite reuses freed pages, so once the file has
/// grown to the bound it stays there and freed rows make room inside it.
///
/// 1. Below `relieveAtFraction` of `maxBytes`: nothing happens.
/// 2. Above it, delivered readings go first, oldest first, whatever their retention (their delivery is audited).
/// 3. Still above `relieveToFraction`: undelivered readings of continuous streams (oximetry, heart rate) older
///    than `compactStreamsOlderThanMilliseconds` are replaced by per-minute summaries (mean as the value;
///    minimum, maximum, count beside it). Raw readings within `alertWindowMilliseconds` of a reading that fired
///    an alert stay raw, as do flagged readings (sensor off, artifacts) and spot measurements of any kind
///    (blood pressure, spirometry, glucose, weight, temperature): those are never compacted nor dropped.
/// 4. At `maxBytes` with nothing left to relieve, `append` refuses new readings (`StoreError.storageFull`),
///    visible in status, doctor, metrics and as the `storage-full` technical alarm; the daemon keeps running.
public struct StoragePolicy: Sendable, Hashable {
    public var maxBytes: Int64
    public var relieveAtFraction: Double
    public var relieveToFraction: Double
    public var compactStreamsOlderThanMilliseconds: Int64
    public var alertWindowMilliseconds: Int64

    /// 2 GiB by default. A reading costs about 125 bytes with its delivery row and indexes (122 measured with
    /// 5-byte raw frames, StoragePressureTests), so a clinic box with 16 streaming oximeters (SpO2 and pulse
    /// once a second each: 8.3 M readings in 72 h) holds a 72 h DOM outage raw in about 1.0 GiB, under the 90 %
    /// relief threshold; compaction after 6 h shrinks the same outage to about 0.7 M raw readings and 0.13 M
    /// summaries, so even a week-long outage fits.
    public init(maxBytes: Int64 = 2 << 30, relieveAtFraction: Double = 0.9, relieveToFraction: Double = 0.8,
                compactStreamsOlderThanMilliseconds: Int64 = 6 * 3_600_000, alertWindowMilliseconds: Int64 = 10 * 60_000) {
        self.maxBytes = maxBytes; self.relieveAtFraction = relieveAtFraction; self.relieveToFraction = relieveToFraction
        self.compactStreamsOlderThanMilliseconds = compactStreamsOlderThanMilliseconds; self.alertWindowMilliseconds = alertWindowMilliseconds
    }

    /// How often the daemon runs a relief pass.
    public static let reliefInterval: Duration = .seconds(30)
    /// Below `measureEveryCommitFraction` of the bound, pages in use are counted after every this many group
    /// commits (each at most `maxGroupCommitRows` readings), not after each: two PRAGMA reads per commit saved.
    public static let commitsBetweenMeasurements = 16
    /// From this fraction of the bound on, pages are counted after every commit.
    public static let measureEveryCommitFraction = 0.75
    /// What a reading is assumed to cost on disk at most when deciding whether to count pages (8 × the ~125 bytes measured).
    public static let assumedBytesPerReading: Int64 = 1024

    var relieveAtBytes: Int64 { Int64(Double(maxBytes) * relieveAtFraction) }
    var relieveToBytes: Int64 { Int64(Double(maxBytes) * relieveToFraction) }
    var measureEveryCommitFromBytes: Int64 { Int64(Double(maxBytes) * StoragePolicy.measureEveryCommitFraction) }
}

/// What one relief pass found and did.
public struct StoragePressureReport: Sendable, Hashable {
    public var usedBytes: Int64
    public var limitBytes: Int64
    public var prunedDelivered = 0
    public var compactedReadings = 0
    public var summariesWritten = 0
    /// New readings are refused (the bound is reached and nothing more could be relieved).
    public var refusing = false

    public var usedFraction: Double { limitBytes > 0 ? Double(usedBytes) / Double(limitBytes) : 0 }
}

extension Store {
    /// Bytes of the database's pages in use (page_count − freelist_count, times page_size): O(1), header reads.
    public func usedBytes() throws(StoreError) -> Int64 {
        let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
        let free = try connection.scalarInt("PRAGMA freelist_count") ?? 0
        return (pages - free) * pageSize
    }

    static func usedBytes(_ connection: SQLiteConnection) throws(StoreError) -> Int64 {
        let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
        let free = try connection.scalarInt("PRAGMA freelist_count") ?? 0
        let size = try connection.scalarInt("PRAGMA page_size") ?? 4096
        return (pages - free) * size
    }

    /// Re-measures after a commit of `rows` readings: crossing the bound starts refusing until a relief pass makes
    /// room. Pages are counted after a commit only when the bound could be near: from `measureEveryCommitFraction`
    /// of it on, or when the readings committed since the last count, at `assumedBytesPerReading` each (8 times the
    /// measured average), could have reached that fraction; otherwise every `commitsBetweenMeasurements`-th commit.
    /// So the refusal starts with the commit that crosses the bound unless readings average more than
    /// `assumedBytesPerReading` on disk — and even then at most `commitsBetweenMeasurements` commits late
    /// (docs/configuration.md, "Storage policy"). Far from the bound that saves two PRAGMA reads per commit.
    func noteStorageAfterCommit(rows: Int) {
        commitsSinceStorageMeasurement += 1
        rowsSinceStorageMeasurement += rows
        let policy = configuration.storage
        let worstCaseUsed = storageUsedBytes.addingSaturated(Int64(rowsSinceStorageMeasurement).multipliedSaturated(by: StoragePolicy.assumedBytesPerReading))
        guard worstCaseUsed >= policy.measureEveryCommitFromBytes
              || commitsSinceStorageMeasurement >= StoragePolicy.commitsBetweenMeasurements else { return }
        guard let used = try? usedBytes() else { return }
        commitsSinceStorageMeasurement = 0
        rowsSinceStorageMeasurement = 0
        storageMeasurements += 1
        storageUsedBytes = used
        if used >= policy.maxBytes { refusingForSpace = true }
    }

    /// The daemon calls this periodically (cheap below the threshold). Runs the policy's steps in order until
    /// the store is back under `relieveToFraction`, and says what it did; every step is audited.
    public func relieveStoragePressure(now: Instant) throws(StoreError) -> StoragePressureReport {
        let policy = configuration.storage
        var report = StoragePressureReport(usedBytes: try usedBytes(), limitBytes: policy.maxBytes)
        defer { storageUsedBytes = report.usedBytes; commitsSinceStorageMeasurement = 0; rowsSinceStorageMeasurement = 0 }
        guard report.usedBytes >= policy.relieveAtBytes else {
            refusingForSpace = false
            return report
        }
        // Oldest delivery first, whatever the retention window; the dedup ledger stays (it is what keeps a resend of
        // these readings from DOM). DeliveredPruning.swift.
        report.prunedDelivered = try deleteDeliveredReadings(deliveredBefore: .max) { () throws(StoreError) -> Bool in
            try usedBytes() <= policy.relieveToBytes
        }
        report.usedBytes = try usedBytes()
        if report.usedBytes > policy.relieveToBytes {
            (report.compactedReadings, report.summariesWritten) = try compactStreams(now: now, until: policy.relieveToBytes)
            report.usedBytes = try usedBytes()
        }
        refusingForSpace = report.usedBytes >= policy.maxBytes
        report.refusing = refusingForSpace
        if report.prunedDelivered > 0 || report.compactedReadings > 0 {
            try connection.transaction { () throws(StoreError) in
                try auditTrail.record(actor: "store", action: "storage-pressure",
                                      detail: "\(report.prunedDelivered) delivered reading(s) pruned, \(report.compactedReadings) stream reading(s) compacted into \(report.summariesWritten) per-minute summaries; \(report.usedBytes / 1_048_576) MiB of \(policy.maxBytes / 1_048_576) MiB in use",
                                      at: now)
            }
        }
        return report
    }

    /// One stream reading that may be compacted.
    private struct StreamRow {
        let id: Int64, deviceId: Int64, patientId: String?, refId: String, code: UInt32, typeJSON: String?
        let value: DecimalValue, unit: String, correctedMs: Int64, receivedMs: Int64, bindingId: Int64?
    }

    private struct StreamMinute: Hashable {
        let deviceId: Int64, patientId: String?, bindingId: Int64?, refId: String, unit: String, minute: Int64
    }

    /// Replaces old undelivered stream readings by per-minute summaries, oldest first, chunk by chunk (one
    /// transaction each, so appends are not held up), until the pages in use fall to `target`.
    private func compactStreams(now: Instant, until target: Int64) throws(StoreError) -> (compacted: Int, summaries: Int) {
        let policy = configuration.storage
        let cutoff = now.millisecondsSinceEpoch - policy.compactStreamsOlderThanMilliseconds
        let alertTimes = try alertingReadingTimes()
        let streamTypes = MeasurementType.continuousStreamRefIds.sorted().map { "'\($0)'" }.joined(separator: ",")
        let select = try connection.statement("""
            SELECT r.id, r.device_id, r.patient_id, r.type_refid, r.mdc_code, r.type_json, r.value, r.unit, r.corrected_ms, r.received_ms, r.binding_id
            FROM readings r WHERE r.id > ?1 AND r.corrected_ms < ?2 AND r.type_refid IN (\(streamTypes))
            AND r.alert_priority IS NULL AND r.value IS NOT NULL AND r.status = ''
            AND NOT EXISTS (SELECT 1 FROM delivery x WHERE x.reading_id = r.id AND x.state <> \(DeliveryState.pending.rawValue))
            ORDER BY r.id LIMIT 20000
            """)
        defer { select.reset() }
        var afterId: Int64 = 0
        var compacted = 0, summaries = 0
        while try usedBytes() > target {
            select.reset()
            try select.bind(afterId, at: 1)
            try select.bind(cutoff, at: 2)
            var rows: [StreamRow] = []
            while try select.step() {
                guard let value = select.text(6).flatMap(ObservationCodec.decimal) else { continue }
                rows.append(StreamRow(id: select.int64(0), deviceId: select.int64(1), patientId: select.text(2), refId: select.text(3) ?? "",
                                      code: UInt32(truncatingIfNeeded: select.int64(4)), typeJSON: select.text(5), value: value,
                                      unit: select.text(7) ?? "", correctedMs: select.int64(8), receivedMs: select.int64(9),
                                      bindingId: select.optionalInt64(10)))
            }
            select.reset()
            guard let last = rows.last else { break }
            afterId = last.id
            let outsideAlertWindows = rows.filter { row in
                !Self.isNear(row.correctedMs, sortedTimes: alertTimes[row.deviceId] ?? [], within: policy.alertWindowMilliseconds)
            }
            let groups = Dictionary(grouping: outsideAlertWindows) {
                StreamMinute(deviceId: $0.deviceId, patientId: $0.patientId, bindingId: $0.bindingId, refId: $0.refId, unit: $0.unit,
                             minute: $0.correctedMs >= 0 ? $0.correctedMs / 60_000 : ($0.correctedMs - 59_999) / 60_000)
            }.filter { $0.value.count > 1 }
            guard !groups.isEmpty else { continue }
            let (removed, written) = try writeSummaries(groups.sorted { ($0.key.minute, $0.key.deviceId) < ($1.key.minute, $1.key.deviceId) })
            compacted += removed
            summaries += written
        }
        return (compacted, summaries)
    }

    /// In one transaction: a summary reading per group (queued for every destination), then the group's raw rows go.
    private func writeSummaries(_ groups: [(key: StreamMinute, value: [StreamRow])]) throws(StoreError) -> (removed: Int, written: Int) {
        var heldSummaries = 0
        let result = try connection.transaction { () throws(StoreError) -> (Int, Int) in
            var context = try makeAppendContext()
            defer { heldSummaries = context.queue.heldReadings }
            let summary = try connection.statement(
                "INSERT INTO reading_summaries (reading_id, count, minimum, maximum, period_end_ms) VALUES (?, ?, ?, ?, ?)")
            defer { summary.reset() }
            let delete = try connection.statement("DELETE FROM readings WHERE id IN (SELECT value FROM json_each(?1))")
            defer { delete.reset() }
            var removed = 0, written = 0
            for (key, rows) in groups {
                guard let stats = ReadingSummary.summarise(rows.map(\.value)), let first = rows.min(by: { $0.id < $1.id }) else { continue }
                let start = Instant(millisecondsSinceEpoch: key.minute * 60_000)
                let observation = Observation(
                    type: ObservationCodec.type(refId: key.refId, code: first.code, json: first.typeJSON), value: stats.mean, unit: key.unit,
                    status: [.compactedSummary], receivedAt: Instant(millisecondsSinceEpoch: first.receivedMs), correctedTime: start,
                    device: try readingTable.identity(deviceId: key.deviceId), patientId: key.patientId, rawFrame: [], bindingId: key.bindingId)
                let id = try insertReading(observation, context: &context)
                summary.reset()
                try summary.bind(id, at: 1)
                try summary.bind(Int64(rows.count), at: 2)
                try summary.bind(ObservationCodec.text(stats.minimum), at: 3)
                try summary.bind(ObservationCodec.text(stats.maximum), at: 4)
                try summary.bind(start.millisecondsSinceEpoch + 60_000, at: 5)
                try summary.run()
                delete.reset()
                try delete.bind(DeliveryQueue.jsonArray(rows.map(\.id)), at: 1)
                try delete.run()
                removed += connection.changes
                written += 1
            }
            return (removed, written)
        }
        for destination in configuration.destinations { deliveryQueue.backlog[destination, default: 0] += result.1 - heldSummaries - result.0 }
        return (result.0, result.1)
    }

    /// Corrected times of readings that fired an alert, per device, sorted: the raw around them is kept.
    private func alertingReadingTimes() throws(StoreError) -> [Int64: [Int64]] {
        let select = try connection.statement("SELECT device_id, corrected_ms FROM readings WHERE alert_priority IS NOT NULL ORDER BY corrected_ms")
        defer { select.reset() }
        var times: [Int64: [Int64]] = [:]
        while try select.step() { times[select.int64(0), default: []].append(select.int64(1)) }
        return times
    }

    /// Whether a sorted list holds a time within `window` of `time` (binary search for the first ≥ time − window).
    static func isNear(_ time: Int64, sortedTimes: [Int64], within window: Int64) -> Bool {
        var low = 0, high = sortedTimes.count
        while low < high {
            let middle = (low + high) / 2
            if sortedTimes[middle] < time - window { low = middle + 1 } else { high = middle }
        }
        return low < sortedTimes.count && sortedTimes[low] <= time + window
    }
}

import IoMTCore
import IoMTHTTP
import IoMTStore

public struct ForwarderConfiguration: Sendable, Hashable {
    public var batchSize: Int
    public var backoff: BackoffPolicy
    /// Longest Retry-After honoured; a larger value is clamped so a bad header cannot park delivery for days.
    public var maxRetryAfterMilliseconds: Int64
    /// How often an idle forwarder looks for rows nobody nudged it about.
    public var idlePollMilliseconds: Int64
    public var requestTimeoutMilliseconds: Int
    /// Seed for backoff jitter; nil seeds from the system generator.
    public var jitterSeed: UInt64?
    /// Rows refused for one reason within `systemicRefusalWindowMilliseconds` that make the refusal systemic:
    /// delivery pauses instead of quarantining them (RefusalWatch.swift).
    public var systemicRefusalThreshold: Int = 10
    public var systemicRefusalWindowMilliseconds: Int64 = 600_000
    /// While paused, how often one row is offered to find out whether DOM accepts again.
    public var pausedProbeMilliseconds: Int64 = 300_000

    public init(batchSize: Int = 100, backoff: BackoffPolicy = BackoffPolicy(), maxRetryAfterMilliseconds: Int64 = 600_000,
                idlePollMilliseconds: Int64 = 5_000, requestTimeoutMilliseconds: Int = 30_000, jitterSeed: UInt64? = nil) {
        self.batchSize = batchSize; self.backoff = backoff; self.maxRetryAfterMilliseconds = maxRetryAfterMilliseconds
        self.idlePollMilliseconds = idlePollMilliseconds; self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
        self.jitterSeed = jitterSeed
    }
}

/// Delivery health for sd_notify STATUS= and `iomtctl status`.
public struct ForwarderStatus: Sendable, Hashable {
    public var lastSuccess: Instant?
    public var consecutiveFailures: Int
    /// When the next attempt is due (nil: immediately / when rows arrive).
    public var nextAttempt: Instant?
    public var lastFailureKind: String?
    /// Why delivery is paused (DOM refuses readings systemically, with this reason); nil when delivering.
    /// The daemon raises the `dom-refusing` technical condition while it is set.
    public var paused: String? = nil
    public var pausedSince: Instant? = nil
}

/// What one delivery attempt did.
public enum DeliveryStep: Sendable, Hashable {
    /// Nothing pending.
    case idle
    /// Rows were delivered or quarantined; more may be pending.
    case progressed(delivered: Int, quarantined: Int)
    /// The batch was refused as a whole; the next attempt sends fewer rows.
    case split(nextBatchSize: Int)
    /// The attempt failed; wait `retryInMilliseconds` before the next.
    case failed(kind: String, retryInMilliseconds: Int64)
}

/// Moves rows from the store to one destination: pending → encode → POST → apply the outcome.
/// Rows are marked delivered only after a 2xx that accepted them; everything else leaves them pending
/// (with the failure counted by kind) or quarantines them with the server's reason.
public actor Forwarder {
    private let store: Store
    private let destination: String
    private let baseURL: String
    private let wireFormat: any WireFormat
    private let transport: any HTTPTransport
    private let configuration: ForwarderConfiguration
    /// Stamps attempts and schedules the waits between them (idle poll, backoff, Retry-After).
    private let clock: any SchedulingClock

    private var generator: SeededRandom
    private var currentStatus = ForwarderStatus(lastSuccess: nil, consecutiveFailures: 0, nextAttempt: nil, lastFailureKind: nil)
    private var batchLimit: Int
    private var nudged = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var sleeper: Task<Void, Never>?
    /// The batch after the one in flight, read and encoded while the request was on the wire.
    private var lookahead: PreparedBatch?
    private var refusals: RefusalWatch

    /// Rows and their encoded body, and the store's queue-jump count from before the rows were read: if a row
    /// jumped the queue since (an alert), the read-ahead order is stale and the batch is read again.
    private struct PreparedBatch {
        var rows: [StoredObservation]
        var body: [UInt8]
        var queueJumps: Int
        var limit: Int
    }

    public init(store: Store, destination: String, baseURL: String, wireFormat: any WireFormat, transport: any HTTPTransport,
                configuration: ForwarderConfiguration, clock: any SchedulingClock) {
        self.store = store; self.destination = destination; self.baseURL = baseURL; self.wireFormat = wireFormat
        self.transport = transport; self.configuration = configuration; self.clock = clock
        generator = SeededRandom(seed: configuration.jitterSeed ?? UInt64.random(in: 0...UInt64.max))
        batchLimit = max(1, configuration.batchSize)
        refusals = RefusalWatch(threshold: configuration.systemicRefusalThreshold, windowMilliseconds: configuration.systemicRefusalWindowMilliseconds)
    }

    /// The batch size to use now: one row (a probe) while paused.
    private var fullBatch: Int { currentStatus.paused == nil ? max(1, configuration.batchSize) : 1 }

    public var status: ForwarderStatus { currentStatus }

    /// Wakes an idle forwarder at once (the daemon calls this after each append). A forwarder that is
    /// backing off keeps its delay — new rows must not defeat backoff or Retry-After — and runs right after it.
    public func nudge() {
        nudged = true
        if currentStatus.nextAttempt == nil { wake() }
    }

    /// Delivers until the task is cancelled. `onTurn` is called with the status at every turn of the loop (the
    /// daemon's liveness check: a loop that stops turning is hung, one that turns while failing is not).
    public func run(onTurn: (@Sendable (ForwarderStatus) async -> Void)? = nil) async {
        await withTaskCancellationHandler {
            while !Task.isCancelled {
                await onTurn?(currentStatus)
                switch await deliverOnce() {
                case .progressed, .split: continue
                case .idle:
                    if nudged { nudged = false; continue }
                    await sleep(milliseconds: configuration.idlePollMilliseconds)
                case let .failed(_, delay):
                    await sleep(milliseconds: delay)
                    currentStatus.nextAttempt = nil
                }
                nudged = false
            }
        } onCancel: {
            Task { await self.wake() }
        }
    }

    /// One attempt: at most one batch and one HTTP request. Public so tests can step deterministically.
    public func deliverOnce() async -> DeliveryStep {
        let prepared = lookahead
        lookahead = nil
        if let prepared, prepared.limit == batchLimit, await store.queueJumps == prepared.queueJumps {
            // Read while the previous batch was in flight: rows in it may repeat an identifier that batch just
            // had accepted, so the ledger is consulted now, after that batch's identifiers were recorded.
            var rows = prepared.rows
            do { _ = try await setAsideDuplicates(&rows) } catch { return failed(kind: "store", retryAfter: nil) }
            if rows.isEmpty { return .progressed(delivered: 0, quarantined: 0) }
            let body = rows.count == prepared.rows.count ? prepared.body : wireFormat.encode(rows)
            return await send(rows, body: body, queueJumps: prepared.queueJumps, refused: 0)
        }
        let queueJumps = await store.queueJumps
        var batch: [StoredObservation]
        do { batch = try await store.pending(destination: destination, limit: batchLimit) } catch {
            return failed(kind: "store", retryAfter: nil)
        }
        guard !batch.isEmpty else { return .idle }
        do { _ = try await setAsideDuplicates(&batch) } catch { return failed(kind: "store", retryAfter: nil) }
        if batch.isEmpty { return .progressed(delivered: 0, quarantined: 0) }
        let refused = wireFormat.unsendable(batch)
        if !refused.isEmpty {
            do {
                for row in refused {
                    try await store.quarantine([row.id], destination: destination, reason: row.reason, at: clock.now())
                }
            } catch {
                return failed(kind: "store", retryAfter: nil)
            }
            let refusedIds = Set(refused.map(\.id))
            batch.removeAll { refusedIds.contains($0.id) }
            if batch.isEmpty { return .progressed(delivered: 0, quarantined: refused.count) }
        }
        return await send(batch, body: wireFormat.encode(batch), queueJumps: queueJumps, refused: refused.count)
    }

    /// Takes out of `batch` the rows that are not to be uploaded now: those whose identifier this destination
    /// already accepted (marked delivered-as-duplicate in the store, see Store.setAsideDuplicates) and later
    /// repeats of an identifier earlier in the batch (left pending: once the first is accepted the ledger sets
    /// them aside; if it is refused they go on their own). Returns how many were set aside as duplicates.
    private func setAsideDuplicates(_ batch: inout [StoredObservation]) async throws(StoreError) -> Int {
        var seen: Set<String> = []
        var candidates: [LedgerCandidate] = []
        var repeats: Set<Int64> = []
        for row in batch {
            let identifier = wireFormat.identifier(of: row)
            if seen.insert(identifier).inserted {
                candidates.append(LedgerCandidate(id: row.id, identifier: identifier))
            } else {
                repeats.insert(row.id)
            }
        }
        let duplicates = Set(try await store.setAsideDuplicates(candidates, destination: destination, at: clock.now()))
        if !duplicates.isEmpty || !repeats.isEmpty {
            batch.removeAll { duplicates.contains($0.id) || repeats.contains($0.id) }
        }
        return duplicates.count
    }

    /// POSTs one encoded batch and applies the outcome. While the request is in flight the next batch is read
    /// and encoded (`readAhead`); it is used only if this one went through cleanly, so order and exactly-once
    /// are those of strictly one request after another.
    private func send(_ batch: [StoredObservation], body: [UInt8], queueJumps: Int, refused: Int) async -> DeliveryStep {
        let ids = batch.map(\.id)
        let request = HTTPRequest(method: "POST", url: baseURL,
                                  headers: [HTTPHeader("Content-Type", wireFormat.contentType), HTTPHeader("Accept", wireFormat.contentType)],
                                  body: body, timeoutMilliseconds: configuration.requestTimeoutMilliseconds)
        async let sent: Result<HTTPResponse, HTTPError> = { () async -> Result<HTTPResponse, HTTPError> in
            do throws(HTTPError) { return .success(try await transport.send(request)) } catch { return .failure(error) }
        }()
        let next = await readAhead(after: batch, queueJumps: queueJumps)
        let response: HTTPResponse
        switch await sent {
        case let .success(answer): response = answer
        case let .failure(error):
            try? await store.recordFailure(ids, destination: destination, kind: error.kind, message: error.description, at: clock.now())
            return failed(kind: error.kind, retryAfter: nil)
        }
        let outcome = wireFormat.interpret(status: response.status, body: response.body, batch: batch)
        if outcome.splitAndRetry {
            batchLimit = max(1, batch.count / 2)
            return .split(nextBatchSize: batchLimit)
        }
        let now = clock.now()
        do {
            if !outcome.delivered.isEmpty {
                var identifiers: [Int64: String] = [:]
                let accepted = Set(outcome.delivered)
                for row in batch where accepted.contains(row.id) { identifiers[row.id] = wireFormat.identifier(of: row) }
                try await store.markDelivered(outcome.delivered, identifiers: identifiers, destination: destination, at: now)
            }
            let assessment = refusals.assess(outcome.quarantined, pausedReason: currentStatus.paused, now: now)
            for row in assessment.quarantine {
                try await store.quarantine([row.id], destination: destination, reason: row.reason, at: now)
            }
            if let reason = assessment.systemicReason {
                try await store.recordFailure(assessment.hold, destination: destination, kind: "refused-systemic", message: reason, at: now)
                if !assessment.requeue.isEmpty {
                    _ = try await store.requeueQuarantined(.ids(assessment.requeue), destination: destination,
                                                           actor: "forwarder (systemic refusal)", at: now)
                }
                if currentStatus.paused == nil {
                    currentStatus.paused = reason
                    currentStatus.pausedSince = now
                    try await store.audit(actor: "forwarder", action: "pause",
                                          detail: "delivery to \(destination) paused: readings refused systemically (\(reason)); rows stay queued, one is offered every \(configuration.pausedProbeMilliseconds / 1000) s",
                                          at: now)
                }
                if !outcome.delivered.isEmpty { currentStatus.lastSuccess = now }
                batchLimit = 1
                return failed(kind: "refused-systemic", retryAfter: configuration.pausedProbeMilliseconds)
            }
            for (kind, rows) in Dictionary(grouping: outcome.retryable, by: \.kind).sorted(by: { $0.key < $1.key }) {
                try await store.recordFailure(rows.map(\.id), destination: destination, kind: kind,
                                              message: rows[0].message, at: now)
            }
        } catch {
            return failed(kind: "store", retryAfter: nil)
        }
        if let first = outcome.retryable.first {
            var retryAfter: Int64? = nil
            if response.status == 429 || response.status == 503, let header = response.header("Retry-After") {
                retryAfter = RetryAfter.milliseconds(header, now: now).map { min($0, configuration.maxRetryAfterMilliseconds) }
            }
            if !outcome.delivered.isEmpty { currentStatus.lastSuccess = now }
            return failed(kind: first.kind, retryAfter: retryAfter)
        }
        if currentStatus.paused != nil, !outcome.delivered.isEmpty {
            try? await store.audit(actor: "forwarder", action: "resume", detail: "delivery to \(destination) resumed: DOM accepted a reading again", at: now)
            currentStatus.paused = nil
            currentStatus.pausedSince = nil
        }
        currentStatus.lastSuccess = now
        currentStatus.consecutiveFailures = 0
        currentStatus.nextAttempt = nil
        currentStatus.lastFailureKind = nil
        if batchLimit == fullBatch { lookahead = next }
        batchLimit = fullBatch
        return .progressed(delivered: outcome.delivered.count, quarantined: outcome.quarantined.count + refused)
    }

    /// The rows that follow a full batch of alert-free rows, encoded; nil when reading ahead is not safe
    /// or not worth it. Rows the format refuses go the ordinary way; duplicates of the batch in flight are
    /// caught by the ledger check when the read-ahead batch is used (deliverOnce).
    private func readAhead(after batch: [StoredObservation], queueJumps: Int) async -> PreparedBatch? {
        guard batch.count == batchLimit, let last = batch.last, batch.allSatisfy({ $0.alertPriority == nil }) else { return nil }
        guard let rows = try? await store.pending(destination: destination, limit: batchLimit, afterReadingId: last.id), !rows.isEmpty,
              wireFormat.unsendable(rows).isEmpty else { return nil }
        return PreparedBatch(rows: rows, body: wireFormat.encode(rows), queueJumps: queueJumps, limit: batchLimit)
    }

    private func failed(kind: String, retryAfter: Int64?) -> DeliveryStep {
        currentStatus.consecutiveFailures += 1
        currentStatus.lastFailureKind = kind
        let delay = retryAfter ?? configuration.backoff.delay(failures: currentStatus.consecutiveFailures, using: &generator)
        currentStatus.nextAttempt = clock.now().adding(milliseconds: delay)
        return .failed(kind: kind, retryInMilliseconds: delay)
    }

    // MARK: Waiting

    private func sleep(milliseconds: Int64) async {
        guard !Task.isCancelled else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter = continuation
            sleeper = Task { [weak self, clock] in
                // Cancelled by wake() (a nudge, or the loop's cancellation): nothing to do, the waiter was resumed.
                guard (try? await clock.sleep(for: .milliseconds(milliseconds))) != nil else { return }
                await self?.wake()
            }
        }
    }

    private func wake() {
        sleeper?.cancel()
        sleeper = nil
        waiter?.resume()
        waiter = nil
    }
}

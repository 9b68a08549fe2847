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
    private let clock: any WallClock

    private var generator: SeededRandom
    private var currentStatus = ForwarderStatus(lastSuccess: nil, consecutiveFailures: 0, nextAttempt: nil, lastFailureKind: nil)
    private var batchLimit: Int
    private var nudged = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var sleeper: Task<Void, Never>?
    /// The batch after the one in flight, read and encoded while the request was on the wire.
    private var lookahead: PreparedBatch?

    /// Rows and their encoded body, and the store's queue-jump count from before the rows were read: if a row
    /// jumped the queue since (an alert), the read-ahead order is stale and the batch is read again.
    private struct PreparedBatch {
        var rows: [StoredObservation]
        var body: [UInt8]
        var queueJumps: Int
        var limit: Int
    }

    public init(store: Store, destination: String, baseURL: String, wireFormat: any WireFormat, transport: any HTTPTransport,
                configuration: ForwarderConfiguration, clock: any WallClock) {
        self.store = store; self.destination = destination; self.baseURL = baseURL; self.wireFormat = wireFormat
        self.transport = transport; self.configuration = configuration; self.clock = clock
        generator = SeededRandom(seed: configuration.jitterSeed ?? UInt64.random(in: 0...UInt64.max))
        batchLimit = max(1, configuration.batchSize)
    }

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
            return await send(prepared.rows, body: prepared.body, queueJumps: prepared.queueJumps, setAside: 0, refused: 0)
        }
        let queueJumps = await store.queueJumps
        var batch: [StoredObservation]
        do { batch = try await store.pending(destination: destination, limit: batchLimit) } catch {
            return failed(kind: "store", retryAfter: nil)
        }
        guard !batch.isEmpty else { return .idle }
        // History a device resent from its memory is set aside before upload (Store.setAsideResentHistory).
        let withDeviceTime = batch.filter { $0.observation.deviceTime != nil }.map(\.id)
        var setAside = 0
        if !withDeviceTime.isEmpty {
            do {
                let resent = Set(try await store.setAsideResentHistory(withDeviceTime, destination: destination, at: clock.now()))
                if !resent.isEmpty {
                    setAside = resent.count
                    batch.removeAll { resent.contains($0.id) }
                    if batch.isEmpty { return .progressed(delivered: setAside, quarantined: 0) }
                }
            } catch {
                return failed(kind: "store", retryAfter: nil)
            }
        }
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
            if batch.isEmpty { return .progressed(delivered: setAside, quarantined: refused.count) }
        }
        return await send(batch, body: wireFormat.encode(batch), queueJumps: queueJumps, setAside: setAside, refused: refused.count)
    }

    /// POSTs one encoded batch and applies the outcome. While the request is in flight the next batch is read
    /// and encoded (`readAhead`); it is used only if this one went through cleanly, so order and exactly-once
    /// are those of strictly one request after another.
    private func send(_ batch: [StoredObservation], body: [UInt8], queueJumps: Int, setAside: Int, refused: Int) async -> DeliveryStep {
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
                try await store.markDelivered(outcome.delivered, destination: destination, at: now)
            }
            for row in outcome.quarantined {
                try await store.quarantine([row.id], destination: destination, reason: row.reason, at: now)
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
        currentStatus.lastSuccess = now
        currentStatus.consecutiveFailures = 0
        currentStatus.nextAttempt = nil
        currentStatus.lastFailureKind = nil
        if batchLimit == max(1, configuration.batchSize) { lookahead = next }
        batchLimit = max(1, configuration.batchSize)
        return .progressed(delivered: outcome.delivered.count + setAside, quarantined: outcome.quarantined.count + refused)
    }

    /// The rows that follow a full batch of alert-free rows, encoded; nil when reading ahead is not safe
    /// or not worth it. Rows with a device time (set aside as resent history against the high-water mark the
    /// batch in flight may raise) and rows the format refuses go the ordinary way.
    private func readAhead(after batch: [StoredObservation], queueJumps: Int) async -> PreparedBatch? {
        guard batch.count == batchLimit, let last = batch.last, batch.allSatisfy({ $0.alertPriority == nil }) else { return nil }
        guard let rows = try? await store.pending(destination: destination, limit: batchLimit, afterReadingId: last.id), !rows.isEmpty,
              rows.allSatisfy({ $0.observation.deviceTime == nil }), wireFormat.unsendable(rows).isEmpty else { return nil }
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
            sleeper = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(milliseconds))
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

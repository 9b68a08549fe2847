import IoMTCore
import IoMTForward

/// What to do with an MQTT message once the collector is done with it.
public enum Disposition: Sendable, Equatable {
    /// DOM accepted the bundle, or it was durably quarantined: send the PUBACK.
    case acknowledge
    /// Stopping before DOM accepted it: never acknowledge; the broker delivers it again after reconnect.
    case leaveUnacknowledged
}

/// Counters for the status line (no identifiers: counts only).
public struct CollectorCounters: Sendable, Hashable {
    public var accepted = 0
    public var readings = 0
    public var quarantined = 0
    public var redelivered = 0
    public var failedAttempts = 0
    public var lastFailureKind: String?
    public var paused: String?
}

/// Settles one MQTT message at a time: relays the bundle to DOM until DOM accepts it (then it is acknowledged) or
/// refuses it for its content (then it is quarantined to disk first). Failures wait with the gateway's backoff rules
/// (`ForwarderConfiguration`: full-jitter exponential backoff, Retry-After honoured and clamped); a refusal repeated
/// for one reason across many bundles is systemic (`RefusalWatch`): delivery pauses, probing every
/// `pausedProbeMilliseconds`, instead of emptying the broker into quarantine.
public actor Collector {
    private let relay: BundleRelay
    private let quarantine: BundleQuarantine
    private let configuration: ForwarderConfiguration
    /// Stamps attempts and schedules the waits between them; a wait throws when cancelled (the service is stopping).
    private let clock: any SchedulingClock
    private var generator: SeededRandom
    private var refusals: RefusalWatch
    private var sequence = 0
    public private(set) var counters = CollectorCounters()

    public init(relay: BundleRelay, quarantine: BundleQuarantine, configuration: ForwarderConfiguration = ForwarderConfiguration(),
                clock: any SchedulingClock) {
        self.relay = relay; self.quarantine = quarantine; self.configuration = configuration; self.clock = clock
        generator = SeededRandom(seed: configuration.jitterSeed ?? UInt64.random(in: 0...UInt64.max))
        refusals = RefusalWatch(threshold: configuration.systemicRefusalThreshold, windowMilliseconds: configuration.systemicRefusalWindowMilliseconds)
    }

    public func settle(topic: String, payload: [UInt8], redelivered: Bool = false) async -> Disposition {
        sequence += 1
        let number = sequence
        if redelivered { counters.redelivered += 1 }
        var failures = 0
        while true {
            if Task.isCancelled { return .leaveUnacknowledged }
            let delay: Int64
            switch await relay.relay(payload, now: clock.now()) {
            case let .accepted(entries):
                counters.accepted += 1
                counters.readings += entries
                counters.lastFailureKind = nil
                if let paused = counters.paused {
                    Log.notice("DOM accepts bundles again; delivery resumed (was paused: \(Self.category(paused)))", "collector")
                    counters.paused = nil
                }
                return .acknowledge
            case let .refused(reason, refusedEntries):
                let assessment = refusals.assess([QuarantinedRow(id: Int64(number), reason: Self.category(reason))],
                                                 pausedReason: counters.paused, now: clock.now())
                if let systemic = assessment.systemicReason {
                    if counters.paused == nil {
                        Log.error("DOM refuses bundles systemically (\(systemic)); delivery paused, messages stay at the broker, one is offered every \(configuration.pausedProbeMilliseconds / 1000) s; \(assessment.requeue.count) bundle(s) quarantined earlier for this reason are in \(quarantine.directory)", "collector")
                    }
                    counters.paused = systemic
                    delay = configuration.pausedProbeMilliseconds
                    break
                }
                do {
                    let path = try quarantine.keep(topic: topic, payload: payload, reason: reason, at: clock.now(), sequence: number)
                    counters.quarantined += 1
                    // The reason text can quote the bundle: only its category and the file go to the log.
                    Log.warning("DOM refused a bundle from \(topic) (\(Self.category(reason)), \(refusedEntries) entr\(refusedEntries == 1 ? "y" : "ies")); kept in \(path), acknowledged", "collector")
                    return .acknowledge
                } catch {
                    failures += 1
                    counters.failedAttempts += 1
                    counters.lastFailureKind = "quarantine-write"
                    Log.error("cannot quarantine a refused bundle: \(error); the message stays unacknowledged and is retried", "collector")
                    delay = configuration.backoff.delay(failures: failures, using: &generator)
                }
            case let .retry(kind, retryAfter):
                failures += 1
                counters.failedAttempts += 1
                counters.lastFailureKind = kind
                delay = retryAfter ?? configuration.backoff.delay(failures: failures, using: &generator)
                Log.warning("DOM did not accept a bundle from \(topic) (\(kind)); attempt \(failures), next in \(delay) ms", "collector")
            }
            do { try await clock.sleep(for: .milliseconds(delay)) } catch { return .leaveUnacknowledged }
        }
    }

    /// A refusal's kind without free text: "HTTP 422", "entry 2: 422 Unprocessable Entity" → "entry 422".
    static func category(_ reason: String) -> String {
        if reason.hasPrefix("HTTP ") { return String(reason.prefix(8)) }
        if reason.hasPrefix("entry "), let colon = reason.firstIndex(of: ":") {
            let status = reason[reason.index(after: colon)...].drop { $0 == " " }.prefix { $0.isNumber }
            return "entry \(status)"
        }
        if reason.hasPrefix("the message is not") { return "not a transaction Bundle" }
        return "refused"
    }
}

import IoMTCore

/// Evaluates inputs against the rule set. A pure, deterministic state machine: it never reads a clock;
/// time comes from the inputs, so the daemon, a replay and `iomtctl rules test` run the same code and
/// the same inputs in the same order give the same alerts.
///
/// Per (device or patient, rule) an alert fires once per episode: after the condition has held for the
/// rule's persistence, and (rate limit permitting) once; it re-arms only when the value is back inside
/// the limit by the rule's hysteresis. While unacknowledged and not silenced, an episode repeats and
/// escalates as its rule says. An episode ends with a `resolved` event once its condition cleared (re-armed) and,
/// when the rule latches (IEC 60601-1-8: high priority by default), a clinician acknowledged it.
///
/// Its whole state can be saved (`snapshot`) and restored (`init(ruleSet:context:restoring:)`), which is how the
/// daemon keeps episodes, windows, acknowledgements and timers across a restart.
public struct AlertEngine: Sendable {
    public let ruleSet: RuleSet
    public let context: AlertContext
    /// The latest time any input carried (reading receipt time, tick, acknowledgement).
    public internal(set) var now: Instant?
    var tracks: [String: Track] = [:]
    /// Missed-measurement scopes (patient reference or device key) → when their clock started.
    var scopes: [String: Scope] = [:]
    /// Alerts a rate limit held back (counted, never silently forgotten: `suppressedCount`).
    public internal(set) var suppressedCount = 0
    /// State a restore under a changed rule set left behind (rules changed or removed).
    public internal(set) var droppedTracks = 0

    static let maxEvidence = 20
    /// Set for the duration of one `process` call: test alerts fired by it are announced (`iomtctl replay --alarms`).
    private var announcingTests = false

    public init(ruleSet: RuleSet, context: AlertContext = AlertContext()) {
        self.ruleSet = ruleSet; self.context = context
    }

    /// Compatibility for the ingest pipeline: the reading, then a tick at `now`.
    public mutating func evaluate(_ observation: Observation, observationId: Int64?, now: Instant) -> [AlertEvent] {
        process(.observation(observation, id: observationId)) + process(.tick(now))
    }

    /// `announcingTests`: episodes that test data opens with this input are announced on the alarm channels (flagged
    /// test) instead of only recorded; the technician asked for it explicitly. Real alarms are unaffected.
    public mutating func process(_ input: AlertInput, announcingTests: Bool = false) -> [AlertEvent] {
        self.announcingTests = announcingTests
        defer { self.announcingTests = false }
        var events: [AlertEvent] = []
        switch input {
        case let .observation(observation, id):
            advance(to: observation.receivedAt)
            events += evaluate(observation, id: id)
        case let .condition(name, active, deviceKey, deviceClass, patientId, at):
            advance(to: at)
            let patient = patientId.flatMap { context.patientReferences[$0] }
            for rule in ruleSet.rules(deviceClass: deviceClass, patient: patient) {
                guard case let .technical(condition) = rule.kind, condition == name else { continue }
                let source = Source(deviceKey: deviceKey, patientId: patientId, patientReference: patient, at: at, observationId: nil)
                events += update(rule, source: source, violation: active ? (name, nil) : nil, rearm: true,
                                 evidence: AlertEvidence(observationId: nil, at: at, measurement: "", value: nil, note: "\(name)=\(active)"),
                                 value: nil, unit: "", measurement: "", completesOnTicks: true)
            }
        case let .acknowledge(episode, at):
            advance(to: at)
            forEpisode(episode) { $0.acknowledged = true }
            // A latched alarm whose condition already cleared ends with the acknowledgement.
            for key in tracks.keys.sorted() where tracks[key]?.episode?.id == episode && tracks[key]?.episode?.conditionCleared == true {
                if let event = resolve(&tracks[key]!) { events.append(event) }
            }
        case let .silence(episode, until, at):
            advance(to: at)
            forEpisode(episode) { $0.silencedUntil = until }
        case let .tick(at):
            advance(to: at)
        }
        events += timers()
        return events
    }

    // MARK: - Readings

    private mutating func evaluate(_ observation: Observation, id: Int64?) -> [AlertEvent] {
        let deviceClass = context.deviceClasses[observation.device.profileId]
        let patient = observation.patientId.flatMap { context.patientReferences[$0] }
        // Test data lives in scopes of its own ("test:<device>"): it never opens, extends, escalates or resolves a real
        // episode, and it neither counts as a measurement nor starts a clock for missed-measurement rules.
        let test = observation.isTestData
        if !test {
            noteScope(patient: patient, deviceKey: observation.device.key, patientId: observation.patientId, at: observation.receivedAt)
        }
        let source = Source(deviceKey: observation.device.key, patientId: observation.patientId, patientReference: patient,
                            at: observation.correctedTime, observationId: id, test: test ? true : nil)
        let values = [(observation.type, observation.value, observation.unit, observation.status)]
            + observation.components.map { ($0.type, $0.value, $0.unit, $0.status) }
        let flags = values.reduce(into: MeasurementStatus()) { $0.formUnion($1.3) }
        var events: [AlertEvent] = []
        for rule in ruleSet.rules(deviceClass: deviceClass, patient: patient) {
            switch rule.kind {
            case let .threshold(measurement, _, _):
                for (type, value, unit, status) in values where type.mdcRefId == measurement {
                    // No value (finger out), or one the device flagged invalid or that is physiologically impossible:
                    // neither fires nor re-arms (an impossible value raises `device-fault` instead).
                    guard let value, !status.contains(.invalid), !status.contains(.implausible) else { continue }
                    events += update(rule, source: source, violation: rule.violation(of: value), rearm: rule.rearms(at: value),
                                     evidence: AlertEvidence(observationId: id, at: observation.correctedTime, measurement: measurement, value: value),
                                     value: value, unit: unit, measurement: measurement)
                }
            case let .technical(condition):
                let active: Bool
                if condition == "device-fault" {
                    active = flags.contains(.implausible)
                } else if let flag = StatusFlag(rawValue: condition) {
                    active = flags.contains(flag)
                } else { continue } // a gateway fact, not a reading flag
                events += update(rule, source: source, violation: active ? (condition, nil) : nil, rearm: true,
                                 evidence: AlertEvidence(observationId: id, at: observation.correctedTime, measurement: observation.type.mdcRefId,
                                                         value: nil, note: active ? condition : "clear"),
                                 value: nil, unit: "", measurement: observation.type.mdcRefId)
            case .zScore:
                events += evaluateZScore(rule, observation: observation, values: values, source: source, id: id)
            case .baselineFall:
                events += evaluateBaselineFall(rule, observation: observation, values: values, source: source, patient: patient, id: id)
            case let .missedMeasurement(measurement, _):
                guard !test else { continue }
                // A compound reading (blood pressure) counts when any of its parts carries a value.
                let measured = observation.type.mdcRefId == measurement ? values.contains { $0.1 != nil }
                    : values.contains { $0.0.mdcRefId == measurement && $0.1 != nil }
                guard measured else { continue }
                let key = Self.key(scope: Self.scopeName(patient: patient, deviceKey: observation.device.key), rule: rule.id)
                var track = tracks[key, default: Track()]
                track.lastSeen = observation.receivedAt
                if let event = clear(&track) { events.append(event) }
                tracks[key] = track
            }
        }
        return events
    }

    /// The per-rule episode state machine, shared by thresholds and technical conditions.
    /// `completesOnTicks`: a gateway condition is reported once, when it changes, so ticks finish its persistence;
    /// readings are a stream and finish it themselves (in reading time, which may differ from the gateway's).
    /// `earlierEvidence`: evidence recorded before the reading's own (a baseline's personal best); `detail`: the message's text
    /// instead of "measurement value unit condition threshold".
    mutating func update(_ rule: AlertRule, source: Source, violation: (condition: String, threshold: DecimalValue?)?,
                         rearm: Bool, evidence: AlertEvidence, value: DecimalValue?, unit: String, measurement: String,
                         completesOnTicks: Bool = false, earlierEvidence: [AlertEvidence] = [], detail: String? = nil) -> [AlertEvent] {
        let key = Self.key(scope: source.scope, rule: rule.id)
        var track = tracks[key, default: Track()]
        defer { tracks[key] = track }
        guard let violation else {
            track.pendingSince = nil
            track.pending = []
            track.pendingCondition = nil
            if rearm, let event = clear(&track) { return [event] }
            return []
        }
        if track.episode != nil {
            track.episode?.conditionCleared = false // back within a latched episode: the same episode, no new alarm
            return []
        }
        if track.pendingSince == nil { track.pendingSince = source.at }
        track.pending += earlierEvidence
        track.pending.append(evidence)
        if track.pending.count > Self.maxEvidence { track.pending.removeFirst(track.pending.count - Self.maxEvidence) }
        if completesOnTicks {
            track.pendingCondition = PendingCondition(rule: rule, source: source, condition: violation.condition, measurement: measurement)
        }
        guard let since = track.pendingSince, source.at.milliseconds(since: since) >= rule.persistenceMilliseconds,
              mayReAlarm(rule, track) else { return [] }
        let persisted = rule.persistenceMilliseconds > 0 ? " for \(source.at.milliseconds(since: since) / 1000) s" : ""
        let text: String
        if let detail {
            text = detail + persisted
        } else if let value {
            text = "\(measurement) \(value) \(unit) \(violation.condition) \(violation.threshold?.description ?? "")\(persisted)"
        } else {
            text = "\(violation.condition)\(persisted)"
        }
        let event = fire(rule, key: key, track: &track, source: source, condition: violation.condition, measurement: measurement,
                         value: value, unit: unit, threshold: violation.threshold, observedAt: source.at, text: text)
        track.pendingSince = nil
        track.pending = []
        track.pendingCondition = nil
        return event.map { [$0] } ?? []
    }

    private mutating func fire(_ rule: AlertRule, key: String, track: inout Track, source: Source, condition: String,
                               measurement: String, value: DecimalValue?, unit: String, threshold: DecimalValue?,
                               observedAt: Instant, text: String) -> AlertEvent? {
        let firedAt = now ?? observedAt
        let episode = "\(rule.id)/\(source.scope)/\(firedAt.millisecondsSinceEpoch)"
        if let limit = rule.rateLimit {
            track.recentFirings.removeAll { firedAt.milliseconds(since: $0) >= limit.windowMilliseconds }
            if track.recentFirings.count >= limit.maximum {
                // Held back, but the episode is open so it does not retry on every sample.
                track.episode = Episode(id: episode, rule: rule, firedAt: firedAt, lastAnnouncedAt: firedAt, template: nil,
                                        latching: false)
                suppressedCount += 1
                return nil
            }
            track.recentFirings.append(firedAt)
        }
        var event = AlertEvent(
            ruleId: rule.id, ruleSetHash: ruleSet.hash, priority: rule.priority, condition: condition,
            measurement: measurement, value: value, unit: unit, threshold: threshold,
            patientId: source.patientId, deviceKey: source.deviceKey, observedAt: observedAt, createdAt: firedAt,
            observationId: source.observationId,
            message: "\(text) (rule \(rule.id), \(rule.priority.rawValue) priority)",
            episode: episode, occurrence: .fired, ruleSetVersion: ruleSet.version,
            inputs: AlertEvidence.json(track.pending.isEmpty ? [] : track.pending),
            interpretation: AlertRule.interpretation(condition: condition, priority: rule.priority))
        if source.test == true {
            // Repetitions, escalation and the resolution copy this template: the whole episode stays a test.
            event.test = announcingTests ? .announced : .recorded
            event.message = "TEST: " + event.message
        }
        track.episode = Episode(id: episode, rule: rule, firedAt: firedAt, lastAnnouncedAt: firedAt, template: event, latching: rule.latches)
        return event
    }

    /// The episode's condition cleared: it resolves, unless it latches and is not yet acknowledged (then it
    /// stays announced, repeating per its rule, and resolves with the acknowledgement).
    private func clear(_ track: inout Track) -> AlertEvent? {
        guard var episode = track.episode else { return nil }
        if episode.latching && !episode.acknowledged {
            episode.conditionCleared = true
            track.episode = episode
            return nil
        }
        return resolve(&track)
    }

    /// Ends the episode; announced as `resolved` when its firing was announced (not held back by a rate limit).
    private func resolve(_ track: inout Track) -> AlertEvent? {
        guard let episode = track.episode else { return nil }
        let at = now ?? episode.firedAt
        track.episode = nil
        track.resolvedAt = at
        guard var event = episode.template else { return nil }
        event.occurrence = .resolved
        event.createdAt = at
        let minutes = at.milliseconds(since: episode.firedAt) / 60_000
        event.message = "RESOLVED after \(minutes) min\(episode.acknowledged ? ", acknowledged" : ""): " + event.message
        return event
    }

    /// The rule's minimum time between an episode's resolution and the next one.
    private func mayReAlarm(_ rule: AlertRule, _ track: Track) -> Bool {
        guard rule.reAlarmAfterMilliseconds > 0, let resolvedAt = track.resolvedAt, let now else { return true }
        return now.milliseconds(since: resolvedAt) >= rule.reAlarmAfterMilliseconds
    }

    // MARK: - Timers (missed measurements, repetition, escalation)

    private mutating func timers() -> [AlertEvent] {
        guard let now else { return [] }
        var events: [AlertEvent] = []
        for scopeName in scopes.keys.sorted() {
            let scope = scopes[scopeName]!
            for rule in ruleSet.rules(deviceClass: nil, patient: scope.patientReference, anyClass: true) {
                guard case let .missedMeasurement(measurement, within) = rule.kind else { continue }
                let key = Self.key(scope: scopeName, rule: rule.id)
                var track = tracks[key, default: Track()]
                let lastSeen = track.lastSeen ?? scope.since
                if track.episode == nil, now.milliseconds(since: lastSeen) >= within, mayReAlarm(rule, track) {
                    track.pending = [AlertEvidence(observationId: nil, at: lastSeen, measurement: measurement, value: nil,
                                                   note: track.lastSeen == nil ? "none since monitoring began" : "last reading")]
                    let source = Source(deviceKey: scope.deviceKey, patientId: scope.patientId, patientReference: scope.patientReference,
                                        at: now, observationId: nil)
                    let hours = Double(within) / 3_600_000
                    if let event = fire(rule, key: key, track: &track, source: source, condition: "missed", measurement: measurement,
                                        value: nil, unit: "", threshold: nil, observedAt: lastSeen,
                                        text: "no \(measurement) for \(hours.formatted1) h") {
                        events.append(event)
                    }
                    track.pending = []
                }
                tracks[key] = track
            }
        }
        for key in tracks.keys.sorted() {
            guard var track = tracks[key], let pending = track.pendingCondition, track.episode == nil, let since = track.pendingSince,
                  now.milliseconds(since: since) >= pending.rule.persistenceMilliseconds, mayReAlarm(pending.rule, track) else { continue }
            var source = pending.source
            source.at = now
            if let event = fire(pending.rule, key: key, track: &track, source: source, condition: pending.condition,
                                measurement: pending.measurement, value: nil, unit: "", threshold: nil, observedAt: since,
                                text: "\(pending.condition) for \(now.milliseconds(since: since) / 1000) s") {
                events.append(event)
            }
            track.pendingSince = nil
            track.pending = []
            track.pendingCondition = nil
            tracks[key] = track
        }
        for key in tracks.keys.sorted() {
            guard var episode = tracks[key]?.episode, let template = episode.template, let escalation = episode.rule.escalation,
                  !episode.acknowledged else { continue }
            if let until = episode.silencedUntil, now < until { continue }
            var occurrence: AlertOccurrence? = nil
            if let after = escalation.escalateAfterMilliseconds, !episode.escalated, now.milliseconds(since: episode.firedAt) >= after {
                occurrence = .escalated
                episode.escalated = true
            } else if escalation.repeatEveryMilliseconds > 0, now.milliseconds(since: episode.lastAnnouncedAt) >= escalation.repeatEveryMilliseconds {
                occurrence = .repeated
            }
            guard let occurrence else { continue }
            episode.lastAnnouncedAt = now
            var event = template
            event.occurrence = occurrence
            event.createdAt = now
            let minutes = now.milliseconds(since: episode.firedAt) / 60_000
            let latched = episode.conditionCleared ? " (latched, condition cleared)" : ""
            event.message = "\(occurrence.rawValue.uppercased()), unacknowledged \(minutes) min\(latched): " + template.message
            events.append(event)
            tracks[key]?.episode = episode
        }
        return events
    }

    // MARK: - Helpers

    private mutating func advance(to instant: Instant) {
        if let current = now, current >= instant { return }
        let first = now == nil
        now = instant
        if first {
            // Clocks of patients known from the configuration start when monitoring starts.
            for (patientId, reference) in context.patientReferences.sorted(by: { $0.value < $1.value }) {
                noteScope(patient: reference, deviceKey: "patient:" + reference, patientId: patientId, at: instant)
            }
        }
    }

    private mutating func noteScope(patient: String?, deviceKey: String, patientId: String?, at: Instant) {
        let name = Self.scopeName(patient: patient, deviceKey: deviceKey)
        if scopes[name] == nil {
            scopes[name] = Scope(since: at, deviceKey: deviceKey, patientId: patientId, patientReference: patient)
        } else if !deviceKey.hasPrefix("patient:") {
            scopes[name]?.deviceKey = deviceKey
        }
    }

    private mutating func forEpisode(_ id: String, _ change: (inout Episode) -> Void) {
        for key in tracks.keys.sorted() where tracks[key]?.episode?.id == id {
            change(&tracks[key]!.episode!)
        }
    }

    static func key(scope: String, rule: String) -> String { scope + "\u{1F}" + rule }
    static func scopeName(patient: String?, deviceKey: String) -> String { patient.map { "patient:" + $0 } ?? deviceKey }

    struct Source: Hashable, Codable {
        var deviceKey: String
        var patientId: String?
        var patientReference: String?
        var at: Instant
        var observationId: Int64?
        /// Test or demonstration data (nil, not false, for real data: snapshots saved before it decode unchanged).
        var test: Bool? = nil
        /// Names the episode and keys its state: the device key (`patient:<reference>` for a patient's missed
        /// measurements), prefixed `test:` for test data so it never shares state with the device's real readings.
        var scope: String { test == true ? "test:" + deviceKey : deviceKey }
    }

    struct Scope: Hashable, Codable {
        var since: Instant
        var deviceKey: String
        var patientId: String?
        var patientReference: String?
    }

    struct Episode: Hashable, Codable {
        var id: String
        var rule: AlertRule
        var firedAt: Instant
        var lastAnnouncedAt: Instant
        /// The event as first announced; nil when a rate limit held it back.
        var template: AlertEvent?
        var latching: Bool
        var acknowledged = false
        var silencedUntil: Instant? = nil
        var escalated = false
        /// A latching episode whose condition is gone, waiting for its acknowledgement.
        var conditionCleared = false
    }

    /// A gateway condition waiting out its persistence.
    struct PendingCondition: Hashable, Codable {
        var rule: AlertRule
        var source: Source
        var condition: String
        var measurement: String
    }

    struct Track: Hashable, Codable {
        /// A `baseline-fall` rule's earlier readings (its personal-best window); nil for every other rule.
        var baseline: BaselineHistory?
        var pendingCondition: PendingCondition?
        var pendingSince: Instant?
        var pending: [AlertEvidence] = []
        var episode: Episode?
        var recentFirings: [Instant] = []
        var lastSeen: Instant?
        /// When the last episode resolved (for `reAlarmAfter`).
        var resolvedAt: Instant?
    }
}

extension Double {
    /// One decimal place, locale-free ("26.0").
    var formatted1: String {
        let tenths = Int64((self * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}

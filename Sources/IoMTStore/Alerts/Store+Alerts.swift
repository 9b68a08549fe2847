import IoMTCore

/// A clinician's acknowledgement or silence of an alert episode, in the order they were made.
public struct AlertAction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case acknowledge, silence }
    public let id: Int64
    public let episode: String
    public let kind: Kind
    public let until: Instant?
    public let actor: String
    public let time: Instant
}

/// Where an episode stands after the clinicians' actions.
public struct AlertEpisodeState: Sendable {
    public var acknowledged: (by: String, at: Instant)?
    public var silencedUntil: Instant?
}

extension Store {
    /// Alerts not yet dispatched on a channel ("log", "exec", "webhook", …), oldest first; `after`: only ids
    /// above it (the caller knows everything up to it went out), so the scan does not grow with history.
    /// Test alerts nobody asked to announce (`test = 'recorded'`) are pending only for a channel that takes them (the log).
    public func undispatchedAlerts(channel: String, after: Int64 = 0, limit: Int, includeRecordedTests: Bool = false) throws(StoreError) -> [StoredAlert] {
        try alertJournal.undispatchedAlerts(channel: channel, after: after, limit: limit, includeRecordedTests: includeRecordedTests)
    }

    /// Marks alerts dispatched on a channel by their identifiers, in one transaction; returns the identifiers
    /// recorded. An alert not stored yet (it went out while the store could not write) is left out, and the
    /// caller records it again once the alert is stored.
    public func markAlertsDispatched(identifiers: [String], channel: String, at time: Instant) throws(StoreError) -> [String] {
        guard !identifiers.isEmpty else { return [] }
        return try connection.transaction { () throws(StoreError) -> [String] in
            try alertJournal.markAlertsDispatched(identifiers: identifiers, channel: channel, at: time)
        }
    }

    public func markAlertDispatched(_ id: Int64, channel: String, at time: Instant) throws(StoreError) {
        try markAlertsDispatched([id], channel: channel, at: time)
    }

    /// Marks several alerts dispatched on a channel in one transaction.
    public func markAlertsDispatched(_ ids: [Int64], channel: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try connection.transaction { () throws(StoreError) in try alertJournal.markAlertsDispatched(ids, channel: channel, at: time) }
    }

    /// Records a failed attempt on a channel (kept for `iomtctl alerts list` and backoff).
    public func recordAlertAttemptFailed(_ id: Int64, channel: String, error: String, at time: Instant) throws(StoreError) {
        try alertJournal.recordAlertAttemptFailed(id, channel: channel, error: error, at: time)
    }

    /// Failed attempts per channel for one alert: channel → (attempts, last error).
    public func alertAttempts(_ id: Int64) throws(StoreError) -> [String: (Int, String)] {
        try alertJournal.alertAttempts(id)
    }

    /// Most recent alerts, newest first.
    public func alerts(limit: Int) throws(StoreError) -> [StoredAlert] {
        try alertJournal.alerts(limit: limit)
    }

    public func alert(id: Int64) throws(StoreError) -> StoredAlert? {
        try alertJournal.alert(id: id)
    }

    /// The v3 interpretation code (H, L, HH, LL) alerts gave a reading, if any.
    public func interpretation(forReading id: Int64) throws(StoreError) -> String? {
        try alertJournal.interpretation(forReading: id)
    }

    /// Records an acknowledgement or silence and its audit entry in one transaction.
    @discardableResult
    public func recordAlertAction(episode: String, kind: AlertAction.Kind, until: Instant?, actor: String,
                                  at time: Instant) throws(StoreError) -> Int64 {
        try connection.transaction { () throws(StoreError) -> Int64 in
            let id = try alertJournal.recordAlertAction(episode: episode, kind: kind, until: until, actor: actor, at: time)
            let detail = kind == .acknowledge ? "episode \(episode)" : "episode \(episode) until \(until?.iso8601 ?? "?")"
            try auditTrail.record(actor: actor, action: "alert-" + kind.rawValue, detail: detail, at: time)
            return id
        }
    }

    /// Actions after `afterId`, oldest first (the daemon feeds them to its engine in this order).
    public func alertActions(after afterId: Int64) throws(StoreError) -> [AlertAction] {
        try alertJournal.alertActions(after: afterId)
    }

    /// The episode's acknowledgement and latest silence.
    public func episodeState(_ episode: String) throws(StoreError) -> AlertEpisodeState {
        try alertJournal.episodeState(episode)
    }

    /// Records the rule set in force. A hash not seen before is a rule change: audited with who made it
    /// and the old and new version and hash (the texts stay in rule_sets). Returns true when it was new.
    @discardableResult
    public func recordRuleSet(hash: String, version: String, source: String, text: String, actor: String,
                              at time: Instant) throws(StoreError) -> Bool {
        try connection.transaction { () throws(StoreError) -> Bool in
            guard let change = try alertJournal.recordRuleSet(hash: hash, version: version, source: source, text: text, at: time) else { return false }
            let old = change.previous.map { "version \($0.version) (\($0.hash))" } ?? "none"
            try auditTrail.record(actor: actor, action: "rules-change", detail: "old \(old) → new version \(version) (\(hash)) from \(source)", at: time)
            return true
        }
    }

    /// The text of a recorded rule set, for comparing old and new.
    public func ruleSetText(hash: String) throws(StoreError) -> String? {
        try alertJournal.ruleSetText(hash: hash)
    }
}

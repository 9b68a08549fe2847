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
    /// Records an acknowledgement or silence and its audit entry in one transaction.
    @discardableResult
    public func recordAlertAction(episode: String, kind: AlertAction.Kind, until: Instant?, actor: String,
                                  at time: Instant) throws(StoreError) -> Int64 {
        try connection.transaction { () throws(StoreError) -> Int64 in
            let insert = try connection.statement(
                "INSERT INTO alert_actions (episode, action, until_ms, actor, time_ms) VALUES (?, ?, ?, ?, ?)")
            try insert.bind(episode, at: 1)
            try insert.bind(kind.rawValue, at: 2)
            try insert.bind(until?.millisecondsSinceEpoch, at: 3)
            try insert.bind(actor, at: 4)
            try insert.bind(time.millisecondsSinceEpoch, at: 5)
            try insert.run()
            let id = try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
            let detail = kind == .acknowledge ? "episode \(episode)" : "episode \(episode) until \(until?.iso8601 ?? "?")"
            try insertAudit(actor: actor, action: "alert-" + kind.rawValue, detail: detail, at: time)
            return id
        }
    }

    /// Actions after `afterId`, oldest first (the daemon feeds them to its engine in this order).
    public func alertActions(after afterId: Int64) throws(StoreError) -> [AlertAction] {
        try alertActions(where: "id > ?") { (select) throws(StoreError) in try select.bind(afterId, at: 1) }
    }

    /// The episode's acknowledgement and latest silence.
    public func episodeState(_ episode: String) throws(StoreError) -> AlertEpisodeState {
        var state = AlertEpisodeState()
        for action in try alertActions(episode: episode) {
            switch action.kind {
            case .acknowledge: if state.acknowledged == nil { state.acknowledged = (action.actor, action.time) }
            case .silence: state.silencedUntil = action.until
            }
        }
        return state
    }

    private func alertActions(episode: String) throws(StoreError) -> [AlertAction] {
        try alertActions(where: "episode = ?") { (select) throws(StoreError) in try select.bind(episode, at: 1) }
    }

    /// Actions matching `condition` (its parameter bound by `bind`), oldest first.
    private func alertActions(where condition: String, bind: (SQLiteStatement) throws(StoreError) -> Void) throws(StoreError) -> [AlertAction] {
        let select = try connection.statement(
            "SELECT id, episode, action, until_ms, actor, time_ms FROM alert_actions WHERE \(condition) ORDER BY id")
        defer { select.reset() }
        try bind(select)
        var result: [AlertAction] = []
        while try select.step() {
            guard let kind = AlertAction.Kind(rawValue: select.text(2) ?? "") else { continue }
            result.append(AlertAction(id: select.int64(0), episode: select.text(1) ?? "", kind: kind,
                                      until: select.optionalInt64(3).map(Instant.init(millisecondsSinceEpoch:)),
                                      actor: select.text(4) ?? "", time: Instant(millisecondsSinceEpoch: select.int64(5))))
        }
        return result
    }

    /// Records the rule set in force. A hash not seen before is a rule change: audited with who made it
    /// and the old and new version and hash (the texts stay in rule_sets). Returns true when it was new.
    @discardableResult
    public func recordRuleSet(hash: String, version: String, source: String, text: String, actor: String,
                              at time: Instant) throws(StoreError) -> Bool {
        try connection.transaction { () throws(StoreError) -> Bool in
            let latest = try connection.statement("SELECT hash, version FROM rule_sets ORDER BY first_seen_ms DESC LIMIT 1")
            var previous: (String, String)? = nil
            if try latest.step() { previous = (latest.text(0) ?? "", latest.text(1) ?? "") }
            latest.reset()
            if previous?.0 == hash { return false }
            let insert = try connection.statement("""
                INSERT INTO rule_sets (hash, version, source, text, first_seen_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (hash) DO UPDATE SET first_seen_ms = excluded.first_seen_ms, source = excluded.source
                """)
            try insert.bind(hash, at: 1)
            try insert.bind(version, at: 2)
            try insert.bind(source, at: 3)
            try insert.bind(text, at: 4)
            try insert.bind(time.millisecondsSinceEpoch, at: 5)
            try insert.run()
            let old = previous.map { "version \($0.1) (\($0.0))" } ?? "none"
            try insertAudit(actor: actor, action: "rules-change", detail: "old \(old) → new version \(version) (\(hash)) from \(source)", at: time)
            return true
        }
    }

    /// The text of a recorded rule set, for comparing old and new.
    public func ruleSetText(hash: String) throws(StoreError) -> String? {
        let select = try connection.statement("SELECT text FROM rule_sets WHERE hash = ?")
        defer { select.reset() }
        try select.bind(hash, at: 1)
        return try select.step() ? select.text(0) : nil
    }
}

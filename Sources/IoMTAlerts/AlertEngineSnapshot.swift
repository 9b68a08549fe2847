import FoundationEssentials
import IoMTCore

/// The alert engine's whole state, versioned, for the store: open episodes (with acknowledgement, silence,
/// escalation step and latch), persistence windows in progress, rate-limit history, missed-measurement clocks.
/// Saved whenever it changes in a way a clinician could notice after a restart (`materialDigest`), restored at start.
public struct AlertEngineSnapshot: Sendable, Codable, Hashable {
    /// Bumped when the layout changes; a snapshot of another format is not restored (the engine starts empty, logged).
    public static let currentFormat = 1
    public var format: Int
    public var ruleSetHash: String
    /// Patient and rule id → the rule's canonical line when saved: a restore keeps only state of unchanged rules.
    var ruleLines: [String: String]
    var now: Instant?
    var tracks: [String: AlertEngine.Track]
    var scopes: [String: AlertEngine.Scope]
    var suppressedCount: Int
    /// Set by the daemon: events handed out lately, re-raised after a crash that stored the state but not them.
    public var recentEvents: [AlertEvent] = []

    /// JSON for one store row.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(json: String) throws -> AlertEngineSnapshot {
        try JSONDecoder().decode(AlertEngineSnapshot.self, from: Data(json.utf8))
    }

    /// The state without its tracks (their rows hold them, written only when they change).
    public func headerJSON() throws -> String {
        var header = self
        header.tracks = [:]
        return try header.json()
    }

    /// A saved state: the state row's JSON and the track rows (none for a snapshot saved whole, whose tracks are
    /// inside its JSON).
    public static func decode(json: String, tracks: [String: String]) throws -> AlertEngineSnapshot {
        var snapshot = try decode(json: json)
        let decoder = JSONDecoder()
        for (key, text) in tracks { snapshot.tracks[key] = try decoder.decode(AlertEngine.Track.self, from: Data(text.utf8)) }
        return snapshot
    }

    /// How many tracks it holds (a state decoded with no track rows but with tracks was saved whole, inside its JSON).
    public var tracksCount: Int { tracks.count }

    /// The tracks that differ from `previous` (all of them without one), each as the encoder of its row; a track
    /// `previous` had and this state has not encodes to nil (its row goes).
    public func trackChanges(since previous: AlertEngineSnapshot?) -> [String: @Sendable () throws -> String?] {
        var changes: [String: @Sendable () throws -> String?] = [:]
        for (key, track) in tracks where previous?.tracks[key] != track {
            changes[key] = {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                return String(decoding: try encoder.encode(track), as: UTF8.self)
            }
        }
        for key in previous?.tracks.keys ?? [:].keys where tracks[key] == nil { changes[key] = { nil } }
        return changes
    }

    /// Patient (empty for defaults), then rule id: the rule id comes last, as in the engine's track keys.
    static func ruleKey(_ rule: AlertRule) -> String { (rule.patient ?? "") + "\u{1F}" + rule.id }
}

extension AlertEngine {
    public func snapshot() -> AlertEngineSnapshot {
        AlertEngineSnapshot(format: AlertEngineSnapshot.currentFormat, ruleSetHash: ruleSet.hash,
                            ruleLines: Self.ruleLines(ruleSet), now: now, tracks: tracks, scopes: scopes,
                            suppressedCount: suppressedCount)
    }

    /// An engine that continues from `snapshot`. Under the same rule set, exactly where it was. Under a changed
    /// rule set, state of rules whose definition is unchanged (same id, same canonical line) carries over; the
    /// rest is dropped: an open episode of a changed or removed rule ends without a `resolved` event, and a
    /// condition still present opens a new episode under the new rule. `droppedTracks` says how many went.
    public init(ruleSet: RuleSet, context: AlertContext = AlertContext(), restoring snapshot: AlertEngineSnapshot) {
        self.init(ruleSet: ruleSet, context: context)
        guard snapshot.format == AlertEngineSnapshot.currentFormat else { return }
        now = snapshot.now
        scopes = snapshot.scopes
        suppressedCount = snapshot.suppressedCount
        if snapshot.ruleSetHash == ruleSet.hash {
            tracks = snapshot.tracks
            return
        }
        // A rule id is unchanged when every rule of that id (default and per patient) has the same canonical line.
        func byRuleId(_ lines: [String: String]) -> [String: Set<String>] {
            lines.reduce(into: [:]) { result, entry in result[Self.ruleId(ofKey: entry.key), default: []].insert(entry.key + "=" + entry.value) }
        }
        let before = byRuleId(snapshot.ruleLines), after = byRuleId(Self.ruleLines(ruleSet))
        for (key, track) in snapshot.tracks {
            let ruleId = Self.ruleId(ofKey: key)
            if let lines = after[ruleId], before[ruleId] == lines { tracks[key] = track } else { droppedTracks += 1 }
        }
    }

    /// Takes over `saved`'s state for every track and missed-measurement scope this engine has none of (see
    /// AlertEvaluator.continueAfterDegradedStart). Returns how many tracks were taken over and how many this engine's
    /// own state superseded.
    public mutating func adoptUntouchedState(of saved: AlertEngine) -> (adopted: Int, superseded: Int) {
        var adopted = 0, superseded = 0
        for (key, track) in saved.tracks {
            if tracks[key] == nil { tracks[key] = track; adopted += 1 } else { superseded += 1 }
        }
        for (key, scope) in saved.scopes where scopes[key] == nil { scopes[key] = scope }
        suppressedCount += saved.suppressedCount
        if let savedNow = saved.now, now.map({ savedNow > $0 }) ?? true { now = savedNow }
        return (adopted, superseded)
    }

    /// The rule id of a track key (`scope` 0x1F `rule`) or a rule-line key (`patient` 0x1F `rule`).
    private static func ruleId(ofKey key: String) -> String {
        String(key.split(separator: "\u{1F}", omittingEmptySubsequences: false).last ?? "")
    }

    public var openEpisodeCount: Int { tracks.values.filter { $0.episode != nil }.count }

    /// What must survive a restart, without the parts that change on every sample (the evidence list, `now`).
    /// Missed-measurement clocks count to the minute: a restart moves a 26 h deadline at most one minute earlier.
    public var materialDigest: Int {
        var hasher = Hasher()
        for key in tracks.keys.sorted() {
            let track = tracks[key]!
            hasher.combine(key)
            hasher.combine(track.pendingSince)
            hasher.combine(track.pendingCondition)
            hasher.combine(track.episode)
            hasher.combine(track.recentFirings)
            hasher.combine(track.resolvedAt)
            hasher.combine(track.lastSeen.map { $0.millisecondsSinceEpoch / 60_000 })
        }
        for key in scopes.keys.sorted() { hasher.combine(key); hasher.combine(scopes[key]) }
        hasher.combine(suppressedCount)
        return hasher.finalize()
    }

    static func ruleLines(_ ruleSet: RuleSet) -> [String: String] {
        Dictionary(ruleSet.rules.map { (AlertEngineSnapshot.ruleKey($0), $0.canonicalLine) }, uniquingKeysWith: { a, _ in a })
    }
}

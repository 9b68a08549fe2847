import IoMTCore

/// Tells a systemic refusal from a bad reading. DOM refusing many readings for the same reason within a
/// window (a profile or terminology change on its side, a gateway misconfiguration) says nothing about the
/// readings: quarantining them one by one would empty the queue into quarantine. Once `threshold` rows were
/// refused for one reason within `windowMilliseconds` (counting the rows of the answer at hand, and the single
/// rows a whole-request 400/413/422 was split down to), the forwarder pauses instead: the rows stay pending,
/// the ones of that reason quarantined earlier in the window go back to the queue, and the daemon raises the
/// `dom-refusing` technical condition. While paused, a refusal for the paused reason is held as well.
package struct RefusalWatch {
    let threshold: Int
    let windowMilliseconds: Int64
    private var recent: [(at: Instant, reason: String, id: Int64)] = []

    package init(threshold: Int, windowMilliseconds: Int64) {
        self.threshold = max(1, threshold); self.windowMilliseconds = max(0, windowMilliseconds)
    }

    package struct Assessment {
        /// Individually refused: quarantine with the server's reason.
        package var quarantine: [QuarantinedRow] = []
        /// The reason that turned systemic (nil: none).
        package var systemicReason: String?
        /// Rows of the answer refused for that reason: keep pending.
        package var hold: [Int64] = []
        /// Rows quarantined earlier in the window for that reason: put back in the queue.
        package var requeue: [Int64] = []
    }

    package mutating func assess(_ refused: [QuarantinedRow], pausedReason: String?, now: Instant) -> Assessment {
        recent.removeAll { now.milliseconds(since: $0.at) > windowMilliseconds }
        var assessment = Assessment()
        for (reason, rows) in Dictionary(grouping: refused, by: \.reason).sorted(by: { $0.key < $1.key }) {
            let earlier = recent.filter { $0.reason == reason }
            if reason == pausedReason || earlier.count + rows.count >= threshold {
                assessment.systemicReason = assessment.systemicReason ?? reason
                assessment.hold += rows.map(\.id)
                assessment.requeue += earlier.map(\.id)
                recent.removeAll { $0.reason == reason }
            } else {
                assessment.quarantine += rows
                recent += rows.map { (at: now, reason: reason, id: $0.id) }
            }
        }
        return assessment
    }
}

/// One read of a device's clock: what it said, when the gateway read it, and the offset between the two.
public struct DeviceClockReading: Sendable, Hashable {
    /// The device clock as read (its zone unknown; `assumedUTCOffsetMinutes` interprets it).
    public var deviceTime: CivilTime
    public var readAt: Instant
    /// Device clock minus gateway clock, in milliseconds (also for an unset clock: it has run since its reset).
    public var offsetMilliseconds: Int64
    /// The device clock showed its reset value (never set).
    public var clockUnset: Bool

    public init(deviceTime: CivilTime, readAt: Instant, offsetMilliseconds: Int64, clockUnset: Bool) {
        self.deviceTime = deviceTime; self.readAt = readAt; self.offsetMilliseconds = offsetMilliseconds; self.clockUnset = clockUnset
    }
}

/// What the gateway knows about one device clock, and which clock stamped a record.
///
/// A record is stamped by the clock as it ran when it was measured. Records that arrive before the gateway
/// set the clock (a RACP memory download is finished before the clock is written) were stamped by the clock
/// as read, and are corrected with the offset measured then. A record arriving after the set may come from
/// either clock: its time read as the old clock must not lie after the set, read as the new one not before it;
/// when both (or neither) fit, the time is ambiguous and the reading is held.
public struct DeviceClockTrust: Sendable, Hashable {
    /// The last clock read before any set (nil: never read, the reported time is used as it is).
    public var lastRead: DeviceClockReading?
    /// When the gateway set the device clock to its own time (after `lastRead`).
    public var setAt: Instant?
    /// When the gateway first saw the device (persisted in the store).
    public var firstSeen: Instant?
    /// Whether the gateway's own clock is synchronised (adjtimex); readings taken while it is not are held.
    public var gatewaySynchronised = true
    /// A corrected time later than its receipt by more than this is implausible.
    public var futureToleranceMilliseconds: Int64 = 5 * 60_000
    /// A corrected time earlier than the first sight of the device by more than this is implausible (a
    /// meter's memory holds months of records taken before it was paired).
    public var historyToleranceMilliseconds: Int64 = 366 * 86_400_000
    /// Slack around the set for the delay between the write and its effect.
    public var setToleranceMilliseconds: Int64 = 5_000

    public init() {}

    /// A new read of the clock: the offset applies to everything it stamps until the gateway sets it.
    public mutating func clockRead(_ reading: DeviceClockReading) { lastRead = reading; setAt = nil; lastSequenceBeforeSet = nil }

    /// The highest record sequence number received before the set (numbered records: Glucose).
    public var lastSequenceBeforeSet: UInt16?

    /// The gateway wrote its own time into the device clock at `time`; `lastSequence`: the highest record number
    /// received before (records numbered above it were stamped by the set clock, the others by the old one).
    public mutating func clockSet(at time: Instant, lastSequence: UInt16? = nil) { setAt = time; lastSequenceBeforeSet = lastSequence }

    /// The corrected time of a record reported at `reported` (device clock, as an instant) and received at
    /// `receivedAt`, and whether that time can be trusted.
    public func correct(reported: Instant, stampedByUnsetClock: Bool, receivedAt: Instant, sequenceNumber: UInt16? = nil) -> (time: Instant, trusted: Bool) {
        let oldOffset = lastRead?.offsetMilliseconds
        let oldClockUnset = stampedByUnsetClock || lastRead?.clockUnset == true
        var time: Instant
        var trusted: Bool
        if let setAt, receivedAt >= setAt {
            let asOld = oldOffset.map { reported.adding(milliseconds: -$0) }
            var oldFits = asOld.map { $0 <= setAt.adding(milliseconds: setToleranceMilliseconds) } ?? false
            var newFits = !stampedByUnsetClock && reported >= setAt.adding(milliseconds: -setToleranceMilliseconds)
            // A numbered record tells which clock stamped it: numbers above the last one before the set are newer.
            if let sequenceNumber, let last = lastSequenceBeforeSet {
                (oldFits, newFits) = sequenceNumber > last ? (false, !stampedByUnsetClock) : (asOld != nil, false)
            } else if sequenceNumber != nil {
                (oldFits, newFits) = (false, !stampedByUnsetClock)  // no numbered record came before the set
            }
            switch (oldFits, newFits) {
            case (true, false): (time, trusted) = (asOld!, !oldClockUnset)
            case (false, true): (time, trusted) = (reported, true)
            default: (time, trusted) = (reported, false)
            }
        } else {
            time = oldOffset.map { reported.adding(milliseconds: -$0) } ?? reported
            trusted = !oldClockUnset
        }
        if time > receivedAt.adding(milliseconds: futureToleranceMilliseconds) { trusted = false }
        if let firstSeen, time < firstSeen.adding(milliseconds: -historyToleranceMilliseconds) { trusted = false }
        return (time, trusted)
    }
}

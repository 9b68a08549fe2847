extension CivilTime {
    /// The device time `milliseconds` later on the same clock, keeping whether it carried a zone (no daylight-saving step
    /// is taken): how a device stamps sample n of a stored series, start + n × interval (O2Ring sessions, CMS50
    /// recordings, a session's samples as the alert engine evaluates them).
    public func addingOnDeviceClock(milliseconds: Int64) -> CivilTime {
        let offset = utcOffsetMinutes ?? 0
        var later = CivilTime(instant: instant(assumingOffsetMinutes: offset).adding(milliseconds: milliseconds), utcOffsetMinutes: offset)
        later.utcOffsetMinutes = utcOffsetMinutes
        return later
    }

    public func addingOnDeviceClock(seconds: Int64) -> CivilTime { addingOnDeviceClock(milliseconds: seconds &* 1000) }

    /// Where this time falls on the device's one clock, for ordering a device's records and comparing them with a record
    /// mark (its times read as if in one zone: they all come from that clock).
    public var deviceClockOrder: Int64 { instant(assumingOffsetMinutes: 0).millisecondsSinceEpoch }
}

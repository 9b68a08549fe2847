extension CivilTime {
    /// The device time `seconds` later on the same clock, kept without a zone (no daylight-saving step is taken): how a
    /// device stamps sample n of a stored series, start + n × interval (O2Ring sessions, CMS50 recordings).
    public func addingOnDeviceClock(seconds: Int64) -> CivilTime {
        var later = CivilTime(instant: instant(assumingOffsetMinutes: 0).adding(milliseconds: seconds * 1000), utcOffsetMinutes: 0)
        later.utcOffsetMinutes = nil
        return later
    }
}

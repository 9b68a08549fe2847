import IoMTCore

/// Whether to set the device clock (write Current Time 0x2A2B, or a vendor clock): when it is unset, or off by more
/// than a minute (the tolerance the normaliser's clock correction covers without surprise).
public enum DeviceClockPolicy {
    public static let toleranceMilliseconds: Int64 = 60_000

    public static func shouldSet(_ clock: GATTCurrentTime, readAt: Instant, utcOffsetMinutes: Int) -> Bool {
        guard let offset = clock.clockOffsetMilliseconds(readAt: readAt, assumingUTCOffsetMinutes: utcOffsetMinutes) else { return true }
        return abs(offset) > toleranceMilliseconds
    }
}

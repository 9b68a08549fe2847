import IoMTCore
import IoMTProfiles

/// The drivers this build knows, and the one place that turns a profile into a running session.
public enum DriverRegistry {
    public static let cms50Legacy = "contec-cms50-legacy"
    public static let cms50V46 = "contec-cms50-v46"
    public static let noninFormat2 = "nonin-serial-format2"
    public static let noninFormat8 = "nonin-serial-format8"
    public static let serialTextReport = "serial-text-report"

    /// Byte-stream drivers (serial); `makeSession`.
    public static let streamDriverIds: Set<String> = [cms50Legacy, cms50V46, noninFormat2, noninFormat8, serialTextReport]
    /// Bluetooth SIG health-profile drivers (GATT values); `makeGATTSession`.
    public static let gattDriverIds: Set<String> = Set(GATTProfile.all.map(\.driverId))
    public static let driverIds: Set<String> = streamDriverIds.union(gattDriverIds)

    /// Options each driver accepts in `driverOptions` (anything else is a typo and rejected).
    static let allowedOptions: [String: [String]] = [
        cms50Legacy: ["reportIntervalMs"],
        cms50V46: ["reportIntervalMs", "keepAliveIntervalMs"],
        noninFormat2: ["reportIntervalMs", "selectFormat"],
        noninFormat8: ["reportIntervalMs", "selectFormat"],
        serialTextReport: TextReportFormat.optionNames,
    ]

    /// Checks that a driver can be built for the profile (stream or GATT), with its options.
    public static func check(_ profile: DeviceProfile) throws(DriverConfigurationError) {
        if gattDriverIds.contains(profile.driver) { _ = try makeGATTSession(for: profile) } else { _ = try makeSession(for: profile) }
    }

    public static func makeSession(for profile: DeviceProfile) throws(DriverConfigurationError) -> any DriverSession {
        if gattDriverIds.contains(profile.driver) {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "a byte-stream driver (one of \(streamDriverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", "))); GATT drivers run through DriverRegistry.makeGATTSession",
                                           found: "GATT driver \"\(profile.driver)\"")
        }
        guard let allowed = allowedOptions[profile.driver] else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "one of \(driverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", "))",
                                           found: "\"\(profile.driver)\"")
        }
        let options = DriverOptions(profileId: profile.id, values: profile.driverOptions)
        try options.rejectUnknown(allowed: allowed)
        if profile.driver == serialTextReport { return TextReportSession(format: try TextReportFormat.parse(options)) }
        let reportInterval = Int64(try options.integer("reportIntervalMs", in: 100...60_000, default: 1000))
        switch profile.driver {
        case cms50Legacy:
            // Both CMS50 generations read through the detecting session: hotplug cannot tell them apart.
            return CMS50GenerationDetectingSession(starting: .legacy, reportIntervalMs: reportInterval, keepAliveIntervalMs: 5000)
        case noninFormat2:
            return NoninFormat2Session(reportIntervalMs: reportInterval, selectsFormat: try options.boolean("selectFormat", default: false))
        case noninFormat8:
            return NoninFormat8Session(reportIntervalMs: reportInterval, selectsFormat: try options.boolean("selectFormat", default: false))
        default:
            // The device stops a live run after about 30 s; 5 s leaves room for lost commands.
            let keepAlive = try options.integer("keepAliveIntervalMs", in: 1000...25_000, default: 5000)
            return CMS50GenerationDetectingSession(starting: .v46, reportIntervalMs: reportInterval, keepAliveIntervalMs: Int64(keepAlive))
        }
    }
}

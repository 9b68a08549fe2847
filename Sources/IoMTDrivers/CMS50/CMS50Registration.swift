import IoMTCore

/// The two CMS50 firmware generations. Both read through the detecting session: hotplug cannot tell them apart.
public enum CMS50Registration {
    public static let legacyId = "contec-cms50-legacy"
    public static let v46Id = "contec-cms50-v46"

    static let all: [DriverRegistration] = [
        DriverRegistration(id: legacyId, options: ["reportIntervalMs"]) { _, options throws(DriverConfigurationError) in
            CMS50GenerationDetectingSession(starting: .legacy, reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: 5000)
        },
        DriverRegistration(id: v46Id, options: ["reportIntervalMs", "keepAliveIntervalMs"]) { _, options throws(DriverConfigurationError) in
            // The device stops a live run after about 30 s; 5 s leaves room for lost commands.
            let keepAlive = try options.integer("keepAliveIntervalMs", in: 1000...25_000, default: 5000)
            return CMS50GenerationDetectingSession(starting: .v46, reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: Int64(keepAlive))
        },
    ]
}

/// The oximeters' reporting window (`reportIntervalMs`, 100 ms to 60 s, default 1 s).
func reportInterval(_ options: DriverOptions) throws(DriverConfigurationError) -> Int64 {
    Int64(try options.integer("reportIntervalMs", in: 100...60_000, default: 1000))
}

import IoMTCore

/// The two CMS50 firmware generations. Both read through the detecting session: hotplug cannot tell them apart.
enum CMS50Registration {
    static let all: [DriverRegistration] = [
        DriverRegistration(id: DriverRegistry.cms50Legacy, options: ["reportIntervalMs"]) { _, options throws(DriverConfigurationError) in
            CMS50GenerationDetectingSession(starting: .legacy, reportIntervalMs: try reportInterval(options), keepAliveIntervalMs: 5000)
        },
        DriverRegistration(id: DriverRegistry.cms50V46, options: ["reportIntervalMs", "keepAliveIntervalMs"]) { _, options throws(DriverConfigurationError) in
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

import IoMTCore
import IoMTProfiles

/// The Viatom "Oxy" oximeters (O2Ring, Checkme O2, SleepO2; service 14839ac4-…) and their `driverOptions`.
enum ViatomOxyRegistration {
    static let driverId = "viatom-oxy"

    static let all = [DriverRegistration(id: driverId, options: ["reportIntervalMs", "pollIntervalMs", "downloadSessions"], isGATT: true) { profile, options throws(DriverConfigurationError) in
        try DriverRegistry.checkBluetooth(profile, offers: ViatomOxyReader.profile)
        var readerOptions = ViatomOxyReader.Options()
        readerOptions.reportIntervalMs = try reportInterval(options)
        readerOptions.pollIntervalMs = Int64(try options.integer("pollIntervalMs", in: 500...10_000, default: 1000))
        readerOptions.downloadSessions = try options.boolean("downloadSessions", default: true)
        return ViatomOxyReader(options: readerOptions)
    }]
}

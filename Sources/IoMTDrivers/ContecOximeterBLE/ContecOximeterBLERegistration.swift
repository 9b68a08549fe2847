import IoMTCore
import IoMTProfiles

/// The Contec-family BLE oximeters (service FF12) and their `driverOptions`: `sequence` chooses what is read — the EMAY
/// SleepO2 live stream (`sleepo2-live`, the default) or the Beurer PO60's stored measurements (`po60-stored`).
enum ContecOximeterBLERegistration {
    static let driverId = "contec-oximeter-ble"
    static let liveSequence = "sleepo2-live"
    static let storedSequence = "po60-stored"

    static let all = [DriverRegistration(id: driverId, options: ["reportIntervalMs", "sequence"], isGATT: true) { profile, options throws(DriverConfigurationError) -> any DeviceReader in
        switch options.values["sequence"] {
        case nil, .string(liveSequence)?:
            try DriverRegistry.checkBluetooth(profile, offers: ContecOximeterBLEReader.profile)
            var readerOptions = ContecOximeterBLEReader.Options()
            readerOptions.reportIntervalMs = try reportInterval(options)
            return ContecOximeterBLEReader(options: readerOptions)
        case .string(storedSequence)?:
            try DriverRegistry.checkBluetooth(profile, offers: BeurerPO60Reader.profile)
            return BeurerPO60Reader()
        case let other?:
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.sequence",
                                           expected: "\"\(liveSequence)\" (EMAY SleepO2 live frames) or \"\(storedSequence)\" (Beurer PO60 stored measurements)",
                                           found: other.serialized())
        }
    }]
}

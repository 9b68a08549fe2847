import IoMTCore
import IoMTProfiles

/// The Contec-family BLE oximeter (EMAY SleepO2, service FF12) and its `driverOptions`.
enum ContecOximeterBLERegistration {
    static let driverId = "contec-oximeter-ble"

    static let all = [DriverRegistration(id: driverId, options: ["reportIntervalMs"], isGATT: true) { profile, options throws(DriverConfigurationError) in
        try DriverRegistry.checkBluetooth(profile, offers: ContecOximeterBLEReader.profile)
        var readerOptions = ContecOximeterBLEReader.Options()
        readerOptions.reportIntervalMs = try reportInterval(options)
        return ContecOximeterBLEReader(options: readerOptions)
    }]
}

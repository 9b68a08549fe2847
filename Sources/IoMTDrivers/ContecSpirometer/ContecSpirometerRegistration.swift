import IoMTCore
import IoMTProfiles

/// The Contec BLE spirometer (SP70B / SP80B class, service FF12) and its `driverOptions`.
enum ContecSpirometerRegistration {
    static let driverId = "contec-spirometer-ble"
    static let optionNames = ["setClock", "clockUTCOffsetMinutes", "requestWaveform", "deleteAfterSync", "recordLayout"]
    /// The record layout of DEVICES.md §1.1 (E1 of 43 data bytes), the only one implemented.
    static let supportedLayout = "e1-43"
    /// Contec's own SDK reads E1 as 32 data bytes with another field order (no record number): recognised, refused.
    static let contecSDKLayout = "contec-sdk-e1-32"

    static let all = [DriverRegistration(id: driverId, options: optionNames, isGATT: true) { profile, options throws(DriverConfigurationError) in
        try DriverRegistry.checkBluetooth(profile, offers: ContecSpirometerReader.profile)
        var readerOptions = ContecSpirometerReader.Options()
        readerOptions.setClock = try options.boolean("setClock", default: true)
        readerOptions.clockUTCOffsetMinutes = try options.integer("clockUTCOffsetMinutes", in: -720...840, default: 0)
        readerOptions.requestWaveform = try options.boolean("requestWaveform", default: true)
        readerOptions.deleteAfterSync = try options.boolean("deleteAfterSync", default: false)
        switch options.values["recordLayout"] {
        case nil, .string(supportedLayout)?: break
        case .string(contecSDKLayout)?:
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.recordLayout",
                                           expected: "\"\(supportedLayout)\": the other Contec layout is known only in part (no record number, 8 bytes of unknown meaning; from a decompiled SDK), so its records could be neither marked nor checked",
                                           found: "\"\(contecSDKLayout)\"")
        case let other?:
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.recordLayout",
                                           expected: "\"\(supportedLayout)\"", found: other.serialized())
        }
        return ContecSpirometerReader(options: readerOptions)
    }]
}

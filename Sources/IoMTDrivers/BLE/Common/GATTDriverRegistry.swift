import IoMTCore
import IoMTProfiles

extension DriverRegistry {
    /// The session for a Bluetooth health profile (`transport: "ble"`, a `ble-…` driver).
    /// `highWaterSequenceNumber`: the last stored-record sequence number already received from this
    /// device (Glucose), so only newer records are requested.
    public static func makeGATTSession(for profile: DeviceProfile, highWaterSequenceNumber: UInt16? = nil) throws(DriverConfigurationError) -> GATTDriverSession {
        guard let decoder = GATTRegistration.decoders.first(where: { $0.profile.driverId == profile.driver }) else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "a GATT driver (one of \(gattDriverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", ")))",
                                           found: "\"\(profile.driver)\"")
        }
        try checkBluetooth(profile, offers: decoder.profile)
        if let key = profile.driverOptions.keys.sorted().first {
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.\(key)",
                                           expected: "no driverOptions (GATT drivers take none)", found: "option \"\(key)\"")
        }
        return GATTDriverSession(decoder: decoder, highWaterSequenceNumber: highWaterSequenceNumber, quirks: profile.bluetoothQuirks)
    }
}

extension DriverRegistry {
    /// A Bluetooth LE driver's profile must say `transport: "ble"` and match the service the driver talks to.
    static func checkBluetooth(_ profile: DeviceProfile, offers gatt: GATTProfile) throws(DriverConfigurationError) {
        guard profile.transport == .ble else {
            throw DriverConfigurationError(profileId: profile.id, field: "transport", expected: "\"ble\" for driver \"\(profile.driver)\"",
                                           found: "\"\(profile.transport.rawValue)\"")
        }
        guard profile.match.bleServices.contains(gatt.service) else {
            throw DriverConfigurationError(profileId: profile.id, field: "match.bleServices",
                                           expected: "the service \"\(gatt.service.shortText.lowercased())\" of \(gatt.name)",
                                           found: profile.match.bleServices.isEmpty ? "none" : profile.match.bleServices.map { "\"\($0.shortText.lowercased())\"" }.joined(separator: ", "))
        }
    }
}

extension DriverRegistry {
    /// A profile's `bluetoothQuirks` must reach the connection through the reader's GATT need; a driver whose reader does
    /// not carry them (a byte-stream driver, a vendor GATT driver) would silently ignore them, so the profile is refused.
    static func checkBluetoothQuirks(_ profile: DeviceProfile, honouredBy reader: any DeviceReader) throws(DriverConfigurationError) {
        guard !profile.bluetoothQuirks.isEmpty, reader.needs.gattProfile?.quirks != profile.bluetoothQuirks else { return }
        throw DriverConfigurationError(profileId: profile.id, field: "bluetoothQuirks",
                                       expected: "no bluetoothQuirks for driver \"\(profile.driver)\" (only the Bluetooth SIG profile drivers honour them: \(GATTRegistration.decoders.map { "\"\($0.profile.driverId)\"" }.joined(separator: ", ")))",
                                       found: profile.bluetoothQuirks.sorted().map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
    }
}

import IoMTCore
import IoMTProfiles

/// Omron blood-pressure cuffs on the classic record-transfer protocol, one profile per model (`driverOptions.model` names
/// the memory map, `OmronMemoryMap.catalog`, and with it the stack: classic, or FE4A for the token models).
enum OmronClassicRegistration {
    static let driverId = "omron-ble-classic"
    /// `user` is listed only to refuse it with what replaced it.
    static let optionNames = ["model", "homeHubUser", "user", "unlockKeyHex", "programKeyWhenRefused", "setClock", "clockUTCOffsetMinutes"]

    static let all = [DriverRegistration(id: driverId, options: optionNames, isGATT: true) { profile, options throws(DriverConfigurationError) in
        let map = try memoryMap(profile, options)
        try DriverRegistry.checkBluetooth(profile, offers: map.stack == .fe4a ? OmronFE4AGATT.profile : OmronClassicGATT.profile)
        var readerOptions = OmronClassicReader.Options(map: map)
        if let value = options.values["user"] {
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.user",
                                           expected: "no such option: one device entry reads every user area, each bound on its own (iomtctl bind bt:ADDRESS/user1, bt:ADDRESS/user2); on a home hub, driverOptions.homeHubUser names the patient's",
                                           found: value.serialized())
        }
        readerOptions.homeHubUser = try options.integer("homeHubUser", in: 1...map.users.count, default: 1)
        readerOptions.programKeyWhenRefused = try options.boolean("programKeyWhenRefused", default: true)
        readerOptions.setClock = try options.boolean("setClock", default: true)
        readerOptions.clockUTCOffsetMinutes = try options.integer("clockUTCOffsetMinutes", in: -720...840, default: 0)
        if let value = options.values["unlockKeyHex"] {
            guard let text = value.stringValue, let key = try? Hex.bytes(from: text), key.count == 16 else {
                throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.unlockKeyHex",
                                               expected: "16 bytes in hex (32 hex digits): the key another program wrote to the cuff",
                                               found: value.kindDescription == "a string" ? "a string that is not 16 hex bytes" : value.kindDescription)
            }
            readerOptions.unlockKey = key
        }
        return OmronClassicReader(options: readerOptions)
    }]

    static func memoryMap(_ profile: DeviceProfile, _ options: DriverOptions) throws(DriverConfigurationError) -> OmronMemoryMap {
        let known = OmronMemoryMap.catalog.map { "\"\($0.model)\"" }.joined(separator: ", ")
        guard let value = options.values["model"] else {
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.model", expected: "the cuff's model, one of \(known)", found: "none")
        }
        guard let name = value.stringValue, let map = OmronMemoryMap.model(name) else {
            throw DriverConfigurationError(profileId: profile.id, field: "driverOptions.model", expected: "one of \(known)", found: value.serialized())
        }
        return map
    }
}

import IoMTCore

/// The loaded profiles, for lookup by id and for recognising a plugged-in device.
public struct ProfileCatalog: Sendable {
    public let profiles: [DeviceProfile]
    private let byId: [String: DeviceProfile]

    /// Profiles must have unique ids (the loader guarantees it); on a duplicate the first wins.
    public init(profiles: [DeviceProfile]) {
        self.profiles = profiles.sorted { $0.id < $1.id }
        var index: [String: DeviceProfile] = [:]
        for profile in self.profiles where index[profile.id] == nil { index[profile.id] = profile }
        self.byId = index
    }

    public func profile(id: String) -> DeviceProfile? { byId[id] }

    /// Profiles whose USB rules match a device. A rule with a product string matches only when the
    /// device's product string contains it (case-insensitive); such specific matches come first,
    /// because a bare CP210x VID:PID is shared by many unrelated devices.
    public func matches(vendorId: UInt16, productId: UInt16, product: String?) -> [DeviceProfile] {
        let productLower = product?.lowercased()
        var specific: [DeviceProfile] = []
        var generic: [DeviceProfile] = []
        for profile in profiles {
            var isSpecific = false
            var isGeneric = false
            for rule in profile.match.usb where rule.vendorId == vendorId && rule.productId == productId {
                if let wanted = rule.product {
                    if let productLower, productLower.contains(wanted.lowercased()) { isSpecific = true }
                } else {
                    isGeneric = true
                }
            }
            if isSpecific { specific.append(profile) } else if isGeneric { generic.append(profile) }
        }
        return specific + generic
    }

    /// Profiles advertising one of the given 16-bit BLE service UUIDs (hex, case-insensitive).
    /// A model's profile with `bluetoothQuirks` (A&D's, on the standard 0x1810) shares its service with the generic
    /// profile, and a service alone says nothing of the model: profiles without quirks come first, so discovery by service
    /// reads the generic profile and the quirks apply only where `devices[]` names the model's profile.
    public func matches(bleServices: [BluetoothUUID]) -> [DeviceProfile] {
        let wanted = Set(bleServices)
        let matching = profiles.filter { profile in profile.match.bleServices.contains(where: wanted.contains) }
        return matching.filter { $0.bluetoothQuirks.isEmpty } + matching.filter { !$0.bluetoothQuirks.isEmpty }
    }
}

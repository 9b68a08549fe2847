import IoMTCore
import IoMTProfiles

/// One Bluetooth LE device read through several profiles on one connection (a monitor with Blood Pressure and Pulse
/// Oximeter services): one reader per profile, one GATT need that joins their services (`GATTProfile.combining`).
/// A characteristic value goes to the first member that declares it (a clock value to the first that reads clocks),
/// link events go to every member in order. Every measurement is stamped with the profile of the member that decoded
/// it, so it is stored, classified for alerts and described to DOM as that profile's reading.
public struct MultiServiceReader: DeviceReader {
    public struct Member: Sendable {
        public let profileId: String
        public var reader: any DeviceReader
        let gatt: GATTProfile
    }

    public private(set) var members: [Member]
    public let needs: DeviceNeeds

    /// Nil unless there are at least two members and each needs a GATT service.
    public init?(_ members: [(profileId: String, reader: any DeviceReader)]) {
        var built: [Member] = []
        for (profileId, reader) in members {
            guard let gatt = reader.needs.gattProfile else { return nil }
            built.append(Member(profileId: profileId, reader: reader, gatt: gatt))
        }
        guard built.count > 1 else { return nil }
        self.members = built
        needs = .gatt(GATTProfile.combining(built.map(\.gatt)))
    }

    public mutating func resume(from mark: DeviceRecordMark?) {
        for index in members.indices { members[index].reader.resume(from: mark) }
    }

    // A member with parts (a two-user cuff) is one of the device's services; its parts are the device's.
    public var subDevices: [String] { members.flatMap(\.reader.subDevices) }
    public var homePatientSubDevice: String? { members.lazy.compactMap(\.reader.homePatientSubDevice).first }
    public mutating func resume(subDeviceMarks marks: [String: DeviceRecordMark]) {
        for index in members.indices { members[index].reader.resume(subDeviceMarks: marks) }
    }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case let .value(characteristic, _):
            guard let index = members.firstIndex(where: { $0.gatt.use(of: characteristic) != nil })
                    ?? members.firstIndex(where: { $0.gatt.clockCharacteristics.contains(characteristic) }) else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not part of \(needs.gattProfile?.name ?? "")")])
            }
            return handle(input, at: time, member: index)
        case .linkUp, .tick, .linkDown, .bytes:
            var merged = DeviceOutput()
            for index in members.indices { merged.append(handle(input, at: time, member: index)) }
            return merged
        }
    }

    private mutating func handle(_ input: DeviceInput, at time: Instant, member index: Int) -> DeviceOutput {
        var output = members[index].reader.handle(input, at: time)
        for measurement in output.measurements.indices { output.measurements[measurement].sourceProfileId = members[index].profileId }
        return output
    }
}

extension DriverRegistry {
    /// The reader of a device read through one profile, or several on one Bluetooth LE connection (`MultiServiceReader`).
    public static func makeReader(for profiles: [DeviceProfile]) throws(DriverConfigurationError) -> any DeviceReader {
        guard let first = profiles.first else {
            throw DriverConfigurationError(profileId: "", field: "profile", expected: "at least one profile")
        }
        if profiles.count == 1 { return try makeReader(for: first) }
        var members: [(profileId: String, reader: any DeviceReader)] = []
        for profile in profiles {
            let reader = try makeReader(for: profile)
            guard reader.needs.gattProfile != nil else {
                throw DriverConfigurationError(profileId: profile.id, field: "transport",
                                               expected: "\"ble\": only Bluetooth LE (GATT) profiles share one connection",
                                               found: "\"\(profile.transport.rawValue)\"")
            }
            members.append((profile.id, reader))
        }
        let stored = members.filter { $0.reader.needs.gattProfile?.usesRecordAccessControlPoint == true }.map(\.profileId)
        if stored.count > 1 {
            // One device keeps one download mark in the store: two record transfers would move it past each other's records.
            throw DriverConfigurationError(profileId: stored[1], field: "profile",
                                           expected: "at most one profile that downloads stored records (RACP) per device",
                                           found: stored.map { "\"\($0)\"" }.joined(separator: " and "))
        }
        guard let reader = MultiServiceReader(members) else {
            throw DriverConfigurationError(profileId: first.id, field: "profile", expected: "Bluetooth LE (GATT) profiles")
        }
        return reader
    }
}

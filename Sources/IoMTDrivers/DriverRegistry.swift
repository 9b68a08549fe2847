import IoMTCore
import IoMTProfiles

/// The drivers this build knows, and the one place that turns a profile into a running reader.
public enum DriverRegistry {
    /// Every driver, as its folder registers it: the list is generated at build time from each folder's
    /// `<Name>Registration.swift` (DriverRegistryPlugin), so a new driver adds no line here.
    public static let registrations: [DriverRegistration] = generatedDriverRegistrations.flatMap(\.registrations)
    /// The driver ids each driver folder (below Sources/IoMTDrivers) registers: what shows that no folder is left out.
    public static let driverIdsByFolder: [String: [String]] =
        Dictionary(generatedDriverRegistrations.map { ($0.folder, $0.registrations.map(\.id)) }, uniquingKeysWith: +)

    /// Byte-stream drivers (serial, RFCOMM).
    public static let streamDriverIds: Set<String> = Set(registrations.filter { !$0.isGATT }.map(\.id))
    /// Bluetooth SIG health-profile drivers (GATT values).
    public static let gattDriverIds: Set<String> = Set(registrations.filter(\.isGATT).map(\.id))
    public static let driverIds: Set<String> = Set(registrations.map(\.id))

    /// Checks that a driver can be built for the profile (stream or GATT), with its options.
    public static func check(_ profile: DeviceProfile) throws(DriverConfigurationError) {
        _ = try makeReader(for: profile)
    }

    /// The reader for a profile, whatever its transport: what every runner, replay, `iomtctl decode` and benchmark
    /// drives. Unknown options are refused before the driver reads any.
    public static func makeReader(for profile: DeviceProfile) throws(DriverConfigurationError) -> any DeviceReader {
        guard let registration = registrations.first(where: { $0.id == profile.driver }) else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "one of \(driverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", "))",
                                           found: "\"\(profile.driver)\"")
        }
        let options = DriverOptions(profileId: profile.id, values: profile.driverOptions)
        try options.rejectUnknown(allowed: registration.options)
        let reader = try registration.make(profile, options)
        try checkBluetoothQuirks(profile, honouredBy: reader)
        return reader
    }

    /// A byte-stream driver with its four steps (tests of one driver); runners use `makeReader`.
    public static func makeSession(for profile: DeviceProfile) throws(DriverConfigurationError) -> any ByteStreamDriver {
        if gattDriverIds.contains(profile.driver) {
            throw DriverConfigurationError(profileId: profile.id, field: "driver",
                                           expected: "a byte-stream driver (one of \(streamDriverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", ")))",
                                           found: "GATT driver \"\(profile.driver)\"")
        }
        guard let driver = try makeReader(for: profile) as? any ByteStreamDriver else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver", expected: "a byte-stream driver", found: "\"\(profile.driver)\"")
        }
        return driver
    }
}

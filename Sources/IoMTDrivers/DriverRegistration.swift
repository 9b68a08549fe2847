import IoMTCore
import IoMTProfiles

/// How a driver makes itself known: its id (what profiles name in `driver`), the `driverOptions` it accepts, and how
/// its reader is built from a profile. Each driver folder declares its registrations next to its code
/// (`CMS50/CMS50Registration.swift`, …); the build generates `DriverRegistry.registrations` from those files.
public struct DriverRegistration: Sendable {
    public let id: String
    /// The `driverOptions` keys the driver reads (anything else is a typo and rejected before `make` runs).
    public let options: [String]
    /// True for Bluetooth LE (GATT) drivers, false for byte-stream drivers (serial, RFCOMM).
    public let isGATT: Bool
    let make: @Sendable (DeviceProfile, DriverOptions) throws(DriverConfigurationError) -> any DeviceReader

    init(id: String, options: [String] = [], isGATT: Bool = false,
         make: @escaping @Sendable (DeviceProfile, DriverOptions) throws(DriverConfigurationError) -> any DeviceReader) {
        self.id = id; self.options = options; self.isGATT = isGATT; self.make = make
    }
}

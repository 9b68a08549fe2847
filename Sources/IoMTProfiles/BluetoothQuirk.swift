/// How a Bluetooth LE device departs from the plain use of its standard GATT profile (profile field `bluetoothQuirks`).
/// Unlike the descriptive `quirks` labels, each of these changes what the gateway's Bluetooth connection does, so the
/// set is closed: an unknown name is an error, never a label. A&D's UA-651BLE, UB-1100BLE and UT-201BLE need all three
/// (docs/profile-format.md, `Sources/IoMTBlueZ/README.md`).
public enum BluetoothQuirk: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A Date Time characteristic (0x2A08) inside the health service itself (not a Current Time Service) that the device
    /// stamps its records with: read first where it is readable, then written with the gateway's time at every connection,
    /// before the records are asked for.
    case dateTimeInService = "date-time-in-service"
    /// The device sends its stored records and then drops the link itself: that disconnect ends a session normally (no
    /// fault, no growing backoff; the gateway waits for the device to advertise again). A disconnect before any record is
    /// still a fault.
    case disconnectsAfterSending = "disconnects-after-sending"
    /// Readings are taken only from a device bonded to the gateway and marked trusted by `iomtctl pair` (like a
    /// Bluetooth Classic link): anything else is refused and the remedy shown.
    case bondingRequired = "bonding-required"

    public static func < (lhs: BluetoothQuirk, rhs: BluetoothQuirk) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which radio a device was seen on. BlueZ's Device1 has no transport property: a Class of Device (non-zero) only
/// comes from BR/EDR inquiry or a BR/EDR link, and the Serial Port service class only exists on BR/EDR (RFCOMM), so
/// either marks a Classic device; everything else was seen advertising on LE.
public enum BluetoothTransport: String, Sendable, Hashable {
    case le
    case bredr
}

extension BlueZDevice {
    /// Major device class "Health" (Bluetooth Assigned Numbers, Class of Device: bits 12–8 = 0x09).
    static let healthMajorDeviceClass: UInt32 = 0x09

    /// Offers the Serial Port Profile (UUID 0x1101) in its SDP/EIR service list.
    public var offersSerialPort: Bool { uuids.contains { $0.lowercased() == BlueZ.serialPortUUID } }

    /// Its Class of Device says it is a health device (pulse oximeter, blood-pressure monitor, …).
    public var hasHealthDeviceClass: Bool { deviceClass.map { ($0 >> 8) & 0x1F == Self.healthMajorDeviceClass } ?? false }

    public var transport: BluetoothTransport { deviceClass != nil || offersSerialPort ? .bredr : .le }

    /// A Classic device iomtd can read: SPP offered, or a health device by class (its SDP record not read yet).
    public var isClassicHealthCandidate: Bool { transport == .bredr && (offersSerialPort || hasHealthDeviceClass) }
}

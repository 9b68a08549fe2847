import IoMTCore
/// A tty device as udev describes it, reduced to what hotplug needs. Built by `UdevDeviceParser`
/// from plain strings, so everything here is testable without libudev.
public struct USBSerialDevice: Sendable, Hashable, CustomStringConvertible {
    /// `/sys/devices/...` path: the identity of this plug-in, stable until the device is removed.
    public var syspath: String
    /// `/dev/ttyUSB0`; absent for tty class devices without a node.
    public var devnode: String?
    /// USB idVendor / idProduct; nil when the tty has no USB parent.
    public var vendorId: UInt16?
    public var productId: UInt16?
    /// The USB product string (from the device's descriptor where udev has it).
    public var product: String?
    /// iSerialNumber of the USB device (ID_SERIAL_SHORT).
    public var serialNumber: String?
    /// Symlinks udev made for the node (`/dev/iomt/...`, `/dev/serial/by-id/...`).
    public var devlinks: [String]

    public init(syspath: String, devnode: String? = nil, vendorId: UInt16? = nil, productId: UInt16? = nil, product: String? = nil,
                serialNumber: String? = nil, devlinks: [String] = []) {
        self.syspath = syspath; self.devnode = devnode; self.vendorId = vendorId; self.productId = productId
        self.product = product; self.serialNumber = serialNumber; self.devlinks = devlinks
    }

    public var isUSB: Bool { vendorId != nil && productId != nil }

    /// `10c4:ea60` (lower-case hex, as lsusb prints it), or `no USB parent`.
    public var usbId: String {
        guard let vendorId, let productId else { return "no USB parent" }
        return Self.hex(vendorId) + ":" + Self.hex(productId)
    }

    /// Node and VID:PID only: the product and serial strings stay out of logs by default.
    public var description: String { "\(devnode ?? syspath) (\(usbId))" }

    static func hex(_ value: UInt16) -> String { Hex.word(value) }
}

/// What the monitor reports. Devices present at start come first, as `.added`, then `.ready`.
public enum UdevEvent: Sendable, Hashable {
    case added(USBSerialDevice)
    case removed(USBSerialDevice)
    /// The start-up enumeration has been delivered; `count` tty devices with a USB parent were present.
    case ready(count: Int)
    /// The consumer fell behind the monitor's bounded buffer: this many events were refused since the last report.
    /// A device plugged in meanwhile may be unknown until it is plugged again or the daemon restarts.
    case overflowed(lostEvents: Int)
}

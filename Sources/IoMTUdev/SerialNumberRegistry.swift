/// Decides whether a USB adapter's serial number can identify it. Cheap adapters often share one serial
/// number ("0001"); two adapters with the same profile and serial on different USB ports cannot be told apart
/// by it, and a reading must never be attributed (clinic bindings are per device) by such a guess. The first
/// adapter seen keeps the serial; once a second port shows the same serial, the serial is *ambiguous* for
/// the daemon's lifetime: the newcomer is identified by its port, and the serial-based identity is reported
/// (devices, doctor) and refused for binding. Pure, so the rule is tested without devices.
public struct SerialNumberRegistry: Sendable {
    public struct Decision: Sendable, Equatable {
        /// The serial number to identify the adapter by (nil: identify it by its port).
        public var serialNumber: String?
        /// Set when this plug made (or found) the serial ambiguous: the USB ports that share it.
        public var ambiguousPorts: [String]?
    }

    /// "profile serial" → the USB ports it was seen on, in order.
    private var ports: [String: [String]] = [:]

    public init() {}

    public mutating func identify(profileId: String, serialNumber: String?, syspath: String) -> Decision {
        guard let serialNumber, !serialNumber.isEmpty else { return Decision(serialNumber: nil, ambiguousPorts: nil) }
        let port = Self.usbPort(of: syspath)
        let key = profileId + " " + serialNumber
        var seen = ports[key, default: []]
        if !seen.contains(port) { seen.append(port) }
        ports[key] = seen
        guard seen.count > 1 else { return Decision(serialNumber: serialNumber, ambiguousPorts: nil) }
        // The first port keeps the serial; every later one is identified by its port.
        return Decision(serialNumber: seen[0] == port ? serialNumber : nil, ambiguousPorts: seen)
    }

    /// The USB device directory in a sysfs path (`…/usb1/1-1/1-1.4/1-1.4:1.0/ttyUSB0/tty/ttyUSB0` → `1-1.4`):
    /// the physical port, stable across re-plugging, unlike the tty name.
    public static func usbPort(of syspath: String) -> String {
        let components = syspath.split(separator: "/")
        let isUSBDevice: (Substring) -> Bool = { name in
            guard let dash = name.firstIndex(of: "-"), dash != name.startIndex else { return false }
            let bus = name[..<dash], path = name[name.index(after: dash)...]
            return bus.allSatisfy(\.isNumber) && !path.isEmpty && path.allSatisfy { $0.isNumber || $0 == "." }
        }
        return components.last(where: isUSBDevice).map(String.init) ?? syspath
    }
}

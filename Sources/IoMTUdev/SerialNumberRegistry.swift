/// Decides whether a USB adapter's serial number can identify it. Cheap adapters often share one serial
/// number ("0001"). Re-plugging one adapter into another port must keep its identity, so a serial alone seen
/// on another port proves nothing; two adapters with the same profile and serial present *at the same time*
/// prove the serial is shared. From then on (for the daemon's lifetime) the serial is *ambiguous*: every
/// adapter carrying it is identified by its USB port, so none can take over another's identity — and with it
/// a clinic binding — after the other is unplugged. The serial-based identity is reported (devices, doctor)
/// and refused for binding. Pure, so the rule is tested without devices.
public struct SerialNumberRegistry: Sendable {
    public struct Decision: Sendable, Equatable {
        /// The serial number to identify the adapter by (nil: identify it by its port).
        public var serialNumber: String?
        /// Set when the serial is ambiguous: the USB ports it was seen on at the same time.
        public var ambiguousPorts: [String]?
    }

    /// "profile serial" → the USB ports of adapters present with it now.
    private var present: [String: [String]] = [:]
    /// "profile serial" → the ports that were present together when the serial proved shared.
    private var ambiguous: [String: [String]] = [:]
    /// syspath → "profile serial", to forget a port when its adapter leaves.
    private var keyOfSyspath: [String: String] = [:]

    public init() {}

    public mutating func identify(profileId: String, serialNumber: String?, syspath: String) -> Decision {
        guard let serialNumber, !serialNumber.isEmpty else { return Decision(serialNumber: nil, ambiguousPorts: nil) }
        let port = Self.usbPort(of: syspath)
        let key = profileId + " " + serialNumber
        var ports = present[key, default: []]
        if !ports.contains(port) { ports.append(port) }
        present[key] = ports
        keyOfSyspath[syspath] = key
        if ports.count > 1 {
            var together = ambiguous[key, default: []]
            for port in ports where !together.contains(port) { together.append(port) }
            ambiguous[key] = together
        }
        if let together = ambiguous[key] { return Decision(serialNumber: nil, ambiguousPorts: together) }
        return Decision(serialNumber: serialNumber, ambiguousPorts: nil)
    }

    /// The adapter at `syspath` was unplugged.
    public mutating func removed(syspath: String) {
        guard let key = keyOfSyspath.removeValue(forKey: syspath) else { return }
        let port = Self.usbPort(of: syspath)
        present[key]?.removeAll { $0 == port }
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

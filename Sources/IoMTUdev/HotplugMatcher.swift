import IoMTProfiles

/// Decides what to do with a plugged-in tty device: read it with a profile, leave it to the static
/// configuration, or ignore it. Pure, so the rules are tested without devices.
public struct HotplugMatcher: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Read with `profileId`; `alsoMatched` lists other profiles the VID:PID fits equally or less well.
        case read(profileId: String, alsoMatched: [String])
        /// A `devices[]` entry already names this node or one of its links.
        case configuredStatically(path: String)
        /// A USB device no serial profile matches (logged once with its VID:PID).
        case noProfile
        /// Not a USB-serial device, or one without a /dev node (nothing to open).
        case notUSBSerial
    }

    public let catalog: ProfileCatalog

    public init(catalog: ProfileCatalog) { self.catalog = catalog }

    /// `staticPaths`: the configured device paths and what they resolve to now.
    public func decide(_ device: USBSerialDevice, staticPaths: Set<String>) -> Decision {
        guard let devnode = device.devnode, let vendorId = device.vendorId, let productId = device.productId else { return .notUSBSerial }
        if let path = ([devnode] + device.devlinks).first(where: staticPaths.contains) { return .configuredStatically(path: path) }
        // Only serial profiles can be read from a tty; the catalog ranks product-string matches first.
        let candidates = catalog.matches(vendorId: vendorId, productId: productId, product: device.product)
            .filter { $0.transport == .serial && $0.serial != nil }
        guard let chosen = candidates.first else { return .noProfile }
        return .read(profileId: chosen.id, alsoMatched: candidates.dropFirst().map(\.id))
    }
}

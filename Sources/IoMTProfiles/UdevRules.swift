import IoMTCore

/// udev rules for the USB-serial adapters that device profiles name (Systemd/70-iomtd.rules; after
/// 60-serial.rules, which sets the ID_PATH_TAG the symlink uses).
///
/// Each VID:PID gets group access for the `iomtd` group (the daemon never needs root to open a
/// port) and a stable symlink under /dev/iomt/ named by the adapter's USB port path, because a
/// CP210x or PL2303 VID:PID is shared by many unrelated products and ttyUSB numbers move between
/// boots. The rules are generated from the profiles so that a new profile cannot be forgotten;
/// a test keeps the shipped file in step with DeviceProfiles/.
public enum UdevRules {
    public static let fileName = "70-iomtd.rules"

    public static func render(_ catalog: ProfileCatalog) -> String {
        var profilesByAdapter: [UInt32: [String]] = [:]
        for profile in catalog.profiles where profile.transport == .serial {
            for rule in profile.match.usb {
                let key = UInt32(rule.vendorId) << 16 | UInt32(rule.productId)
                if profilesByAdapter[key]?.contains(profile.id) != true { profilesByAdapter[key, default: []].append(profile.id) }
            }
        }
        var lines = [
            "# Generated from DeviceProfiles/ by `iomtctl profiles udev-rules`; do not edit by hand.",
            "# USB-serial adapters used by iomtd's device profiles: group access for iomtd (no root needed)",
            "# and a stable link /dev/iomt/usb-VID_PID-PORTPATH that survives ttyUSB renumbering.",
            "ACTION==\"remove\", GOTO=\"iomtd_end\"",
            "SUBSYSTEM!=\"tty\", GOTO=\"iomtd_end\"",
            "",
        ]
        for key in profilesByAdapter.keys.sorted() {
            let vendor = Hex.word(UInt16(key >> 16)), product = Hex.word(UInt16(key & 0xFFFF))
            lines.append("# \(profilesByAdapter[key]!.sorted().joined(separator: ", "))")
            lines.append("SUBSYSTEMS==\"usb\", ATTRS{idVendor}==\"\(vendor)\", ATTRS{idProduct}==\"\(product)\", "
                         + "GROUP=\"iomtd\", MODE=\"0660\", ENV{IOMTD_CANDIDATE}=\"1\", "
                         + "SYMLINK+=\"iomt/usb-\(vendor)_\(product)-$env{ID_PATH_TAG}\"")
        }
        lines.append("")
        lines.append("LABEL=\"iomtd_end\"")
        return lines.joined(separator: "\n") + "\n"
    }

}

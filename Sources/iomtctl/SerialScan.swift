import IoMTCore
import IoMTProfiles
import IoMTUdev

/// `iomtctl scan --serial`: the USB-serial adapters present now (udev), each with the profile hotplug
/// would read it with. Needs no daemon.
enum SerialScan {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let directory = try arguments.option("--profiles-dir")
        let json = arguments.flag("--json")
        try arguments.finish()
        let matcher = HotplugMatcher(catalog: ProfileCatalog(profiles: try ProfilesLocation.load(option: directory)))
        let monitor = UdevMonitor()
        let events: AsyncStream<UdevEvent>
        do { events = try monitor.events() } catch { throw CLIError(message: "cannot read udev: \(error)", exitCode: .failed) }
        var devices: [USBSerialDevice] = []
        for await event in events {
            if case let .added(device) = event { devices.append(device) }
            if case .ready = event { break }
        }
        monitor.stop()
        let rows = devices.sorted { ($0.devnode ?? $0.syspath) < ($1.devnode ?? $1.syspath) }.map { device -> (USBSerialDevice, String, [String]) in
            switch matcher.decide(device, staticPaths: []) {
            case let .read(profileId, alsoMatched): return (device, profileId, alsoMatched)
            case .noProfile, .notUSBSerial, .configuredStatically: return (device, "", [])
            }
        }
        if json {
            print(JSONValue.object([("serial", .array(rows.map { device, profile, others in
                .object([("node", device.devnode.map { .string($0) } ?? .null), ("usb", .string(device.usbId)),
                         ("product", device.product.map { .string($0) } ?? .null), ("serialNumber", device.serialNumber.map { .string($0) } ?? .null),
                         ("links", .array(device.devlinks.map { .string($0) })), ("profile", profile.isEmpty ? .null : .string(profile)),
                         ("alsoMatched", .array(others.map { .string($0) }))])
            }))]).serialized())
            return
        }
        if rows.isEmpty { print("no USB-serial adapters present (plug the device in; `dmesg | tail` shows what the kernel saw)"); return }
        for (device, profile, others) in rows {
            print("\(device.devnode ?? device.syspath)  \(device.usbId)  \(device.product ?? "(no product string)")  "
                  + (profile.isEmpty ? "no matching profile" : "profile \(profile)" + (others.isEmpty ? "" : " (also fits \(others.joined(separator: ", ")))")))
        }
    }
}

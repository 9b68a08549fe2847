import Foundation
import IoMTDrivers
import IoMTProfiles
import IoMTUdev
import Testing

@Suite struct HotplugMatcherTests {
    /// The profiles the package ships (DeviceProfiles/), loaded as the daemon loads them.
    static func shippedCatalog() throws -> ProfileCatalog {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        return ProfileCatalog(profiles: try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: root.appendingPathComponent("DeviceProfiles").path))
    }

    func cp2102(product: String? = "CP2102 USB to UART Bridge Controller") -> USBSerialDevice {
        var device = UdevDeviceParser.device(syspath: cp2102Syspath, properties: cp2102Properties)
        device.product = product
        return device
    }

    @Test func aCMS50CableIsReadWithTheFirstRankedProfileAndTheOtherNamed() throws {
        let matcher = HotplugMatcher(catalog: try Self.shippedCatalog())
        #expect(matcher.decide(cp2102(), staticPaths: []) == .read(profileId: "contec-cms50d-plus", alsoMatched: ["contec-cms50e"]))
        // The bare VID:PID rule still matches a bridge whose product string was changed.
        #expect(matcher.decide(cp2102(product: "Custom Cable"), staticPaths: []) == .read(profileId: "contec-cms50d-plus", alsoMatched: ["contec-cms50e"]))
        #expect(matcher.decide(cp2102(product: nil), staticPaths: []) == .read(profileId: "contec-cms50d-plus", alsoMatched: ["contec-cms50e"]))
    }

    @Test func anAdapterNoProfileNamesIsNotRead() throws {
        let matcher = HotplugMatcher(catalog: try Self.shippedCatalog())
        let ftdi = UdevDeviceParser.device(syspath: "/sys/devices/usb1/1-3/1-3:1.0/ttyUSB1/tty/ttyUSB1", properties: [
            "DEVNAME": "/dev/ttyUSB1", "ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6001", "ID_MODEL_ENC": "FT232R\\x20USB\\x20UART"])
        #expect(matcher.decide(ftdi, staticPaths: []) == .noProfile)
    }

    @Test func aDeviceInDevicesIsLeftToItsStaticRunnerByNodeOrUdevLink() throws {
        let matcher = HotplugMatcher(catalog: try Self.shippedCatalog())
        #expect(matcher.decide(cp2102(), staticPaths: ["/dev/ttyUSB0"]) == .configuredStatically(path: "/dev/ttyUSB0"))
        let byId = "/dev/serial/by-id/usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"
        #expect(matcher.decide(cp2102(), staticPaths: [byId, "/dev/ttyUSB7"]) == .configuredStatically(path: byId))
        #expect(matcher.decide(cp2102(), staticPaths: ["/dev/ttyUSB1"]) == .read(profileId: "contec-cms50d-plus", alsoMatched: ["contec-cms50e"]))
    }

    @Test func withoutNodeOrUSBParentThereIsNothingToRead() throws {
        let matcher = HotplugMatcher(catalog: try Self.shippedCatalog())
        var noNode = cp2102()
        noNode.devnode = nil
        #expect(matcher.decide(noNode, staticPaths: []) == .notUSBSerial)
        let builtIn = UdevDeviceParser.device(syspath: "/sys/devices/platform/serial8250/tty/ttyS0", properties: ["DEVNAME": "/dev/ttyS0"])
        #expect(matcher.decide(builtIn, staticPaths: []) == .notUSBSerial)
    }

    @Test func productSpecificMatchesRankFirstAndOnlySerialProfilesCount() {
        let serial = SerialSettings(baudRate: 9600)
        func profile(_ id: String, _ transport: TransportKind, _ rule: USBMatch) -> DeviceProfile {
            DeviceProfile(id: id, manufacturer: "M", model: id, deviceClass: "pulse-oximeter", driver: "d", transport: transport,
                          match: MatchRules(usb: [rule]), serial: transport == .serial ? serial : nil)
        }
        let catalog = ProfileCatalog(profiles: [
            profile("a-generic", .serial, USBMatch(vendorId: 0x1234, productId: 0x0001)),
            profile("m-ble-dongle", .ble, USBMatch(vendorId: 0x1234, productId: 0x0001)),
            profile("z-specific", .serial, USBMatch(vendorId: 0x1234, productId: 0x0001, product: "oximeter")),
        ])
        let matcher = HotplugMatcher(catalog: catalog)
        let device = USBSerialDevice(syspath: "/sys/devices/x/ttyACM0", devnode: "/dev/ttyACM0", vendorId: 0x1234, productId: 0x0001,
                                     product: "USB Oximeter")
        #expect(matcher.decide(device, staticPaths: []) == .read(profileId: "z-specific", alsoMatched: ["a-generic"]))
        var other = device
        other.product = "Thermometer"
        #expect(matcher.decide(other, staticPaths: []) == .read(profileId: "a-generic", alsoMatched: []))
    }
}

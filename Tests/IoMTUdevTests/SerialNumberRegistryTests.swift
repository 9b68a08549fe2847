import Testing
@testable import IoMTUdev

/// Two adapters sharing a serial number must never share an identity (and so a patient binding).
@Suite struct SerialNumberRegistryTests {
    let portA = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0"
    let portB = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2.4/1-2.4:1.0/ttyUSB1/tty/ttyUSB1"

    @Test func usbPortIsThePhysicalPortNotTheTtyName() {
        #expect(SerialNumberRegistry.usbPort(of: portA) == "1-1")
        #expect(SerialNumberRegistry.usbPort(of: portB) == "1-2.4")
        #expect(SerialNumberRegistry.usbPort(of: "/sys/devices/virtual/tty/ttyS0") == "/sys/devices/virtual/tty/ttyS0")
    }

    @Test func secondAdapterWithTheSameSerialIsIdentifiedByPortEvenAfterTheFirstLeft() {
        var registry = SerialNumberRegistry()
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA) == .init(serialNumber: "0001", ambiguousPorts: nil))
        // The first adapter is unplugged (nothing is told to the registry), then another one with the same
        // serial appears on another port: it must not inherit the first one's identity.
        let second = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portB)
        #expect(second.serialNumber == nil)
        #expect(second.ambiguousPorts == ["1-1", "1-2.4"])
        // The first adapter re-plugged into its own port keeps the serial, but the serial stays ambiguous.
        let back = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA)
        #expect(back.serialNumber == "0001")
        #expect(back.ambiguousPorts == ["1-1", "1-2.4"])
    }

    @Test func sameSerialUnderAnotherProfileOrOnTheSamePortIsNotAmbiguous() {
        var registry = SerialNumberRegistry()
        _ = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA)
        #expect(registry.identify(profileId: "nonin", serialNumber: "0001", syspath: portB).ambiguousPorts == nil)
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA).ambiguousPorts == nil)
        #expect(registry.identify(profileId: "cms50", serialNumber: nil, syspath: portB) == .init(serialNumber: nil, ambiguousPorts: nil))
    }
}

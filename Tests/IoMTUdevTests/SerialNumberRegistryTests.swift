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

    @Test func reattachedToAnotherPortAloneKeepsItsIdentity() {
        var registry = SerialNumberRegistry()
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA) == .init(serialNumber: "0001", ambiguousPorts: nil))
        registry.removed(syspath: portA)
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portB) == .init(serialNumber: "0001", ambiguousPorts: nil))
    }

    @Test func twoAdaptersSharingASerialAtOnceAreIdentifiedByPortForGood() {
        var registry = SerialNumberRegistry()
        _ = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA)
        let second = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portB)
        #expect(second.serialNumber == nil, "the second adapter must not share the first's identity")
        #expect(second.ambiguousPorts == ["1-1", "1-2.4"])
        // The first leaves; the second is re-plugged alone: it must not take over the serial's identity (and the
        // first's binding) now that the serial is known to be shared. Nor does the first, when it comes back.
        registry.removed(syspath: portA)
        registry.removed(syspath: portB)
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portB).serialNumber == nil)
        #expect(registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA).serialNumber == nil)
    }

    @Test func sameSerialUnderAnotherProfileIsNotAmbiguous() {
        var registry = SerialNumberRegistry()
        _ = registry.identify(profileId: "cms50", serialNumber: "0001", syspath: portA)
        #expect(registry.identify(profileId: "nonin", serialNumber: "0001", syspath: portB).ambiguousPorts == nil)
        #expect(registry.identify(profileId: "cms50", serialNumber: nil, syspath: portB) == .init(serialNumber: nil, ambiguousPorts: nil))
    }
}

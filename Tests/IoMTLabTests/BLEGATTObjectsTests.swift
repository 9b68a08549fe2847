import IoMTCore
import IoMTDBus
import IoMTLab
import Testing

/// Object construction (pure): what BlueZ reads from the application, the advertisement and the layout.
@Suite struct BLEGATTObjectsTests {
    @Test func devicesCarryTheirServiceCurrentTimeAndFlags() {
        let bp = BLESimulatedDevice.bloodPressure
        #expect(bp.services.map(\.uuid) == [0x1810, 0x1805])
        #expect(bp.characteristics.map(\.uuid) == [0x2A35, 0x2A36, 0x2A49, 0x2A2B])
        #expect(bp.characteristics.map(\.flags) == [["indicate"], ["notify"], ["read"], ["read", "write", "notify"]])
        #expect(bp.streamingCharacteristics == [0x2A35, 0x2A36])
        let plx = BLESimulatedDevice.pulseOximeter
        #expect(plx.services.map(\.uuid) == [0x1822, 0x1805])
        #expect(plx.characteristics.map(\.uuid) == [0x2A5E, 0x2A5F, 0x2A60, 0x2A2B])
        #expect(plx.streamingCharacteristics == [0x2A5E, 0x2A5F])
        #expect(plx.characteristics.first { $0.uuid == 0x2A5E }?.kindOfUpdate == "indication")
        // PLX Features: no spot-check storage bit (2), so a central does not expect a RACP.
        #expect(BLESimulatedDevice.pulseOximeterFeatures[0] & 0x04 == 0)
    }

    @Test func characteristicAndServicePropertiesHaveBlueZTypes() {
        let characteristic = BLESimulatedCharacteristic(uuid: 0x2A35, flags: ["indicate"], source: .fixtures)
        let properties = BLEGATTObjects.characteristicProperties(characteristic, service: "/a/service0", value: [1, 2])
        let byName = Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.initialValue) })
        #expect(byName["UUID"] == .string("00002a35-0000-1000-8000-00805f9b34fb"))
        #expect(byName["Service"] == .objectPath("/a/service0"))
        #expect(byName["Flags"] == .stringArray(["indicate"]))
        #expect(byName["Value"]?.type == .array(.byte) && byName["Value"]?.bytesValue == [1, 2])
        #expect(byName["Notifying"] == .boolean(false))
        let readOnly = BLEGATTObjects.characteristicProperties(.init(uuid: 0x2A49, flags: ["read"], source: .constant([0])), service: "/a", value: [0])
        #expect(!readOnly.contains { $0.name == "Notifying" })
        let service = Dictionary(uniqueKeysWithValues: BLEGATTObjects.serviceProperties(uuid: 0x1810, characteristics: ["/a/service0/char0"])
            .map { ($0.name, $0.initialValue) })
        #expect(service["UUID"] == .string("00001810-0000-1000-8000-00805f9b34fb") && service["Primary"] == .boolean(true))
        #expect(service["Characteristics"] == .objectPathArray(["/a/service0/char0"]))
    }

    @Test func advertisementIsAConnectablePeripheralWithTheServiceAndName() {
        let properties = Dictionary(uniqueKeysWithValues: BLEGATTObjects.advertisementProperties(localName: "IoMT-Sim BPM", serviceUUIDs: [0x1810])
            .map { ($0.name, $0.initialValue) })
        #expect(properties["Type"] == .string("peripheral"))
        #expect(properties["ServiceUUIDs"] == .stringArray(["1810"]))
        #expect(properties["LocalName"] == .string("IoMT-Sim BPM"))
    }

    @Test func layoutKeepsAdvertisementAndAgentOutsideTheApplicationTree() {
        let layout = BLEObjectLayout(adapter: "hci0")
        #expect(layout.application == "/org/iomt/blesim/hci0/app")
        #expect(!layout.advertisement.isDescendant(of: layout.application) && !layout.agent.isDescendant(of: layout.application))
        let paths = layout.characteristicPaths(of: .bloodPressure)
        #expect(paths[0x2A35] == "/org/iomt/blesim/hci0/app/service0/char0")
        #expect(paths[0x2A2B] == "/org/iomt/blesim/hci0/app/service1/char0")
        #expect(Set(paths.values).count == 4)
    }

    @Test func readOffsetSkipsBytesAndRefusesOffsetsPastTheEnd() throws {
        #expect(try BLEGATTObjects.applyReadOffset([1, 2, 3], options: ["offset": .uint16(1)]) == [2, 3])
        #expect(try BLEGATTObjects.applyReadOffset([1, 2, 3], options: [:]) == [1, 2, 3])
        #expect(throws: DBusMethodError.self) { try BLEGATTObjects.applyReadOffset([1], options: ["offset": .uint16(2)]) }
    }
}

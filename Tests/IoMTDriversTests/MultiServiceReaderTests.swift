import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// A device with two health services read on one connection: one need joining both services, each value to the
/// profile that declares it, each reading stamped with the profile that decoded it.
@Suite struct MultiServiceReaderTests {
    func bloodPressureAndOximeter() throws -> any DeviceReader {
        let catalog = try Repository.catalog()
        return try DriverRegistry.makeReader(for: [try #require(catalog.profile(id: "ble-blood-pressure")),
                                                   try #require(catalog.profile(id: "ble-pulse-oximeter"))])
    }

    @Test func oneNeedCarriesBothServices() throws {
        let reader = try bloodPressureAndOximeter()
        let gatt = try #require(reader.needs.gattProfile)
        #expect(gatt.services.map(\.uuid) == [GATTService.bloodPressure, GATTService.pulseOximeter])
        #expect(gatt.subscriptions.map(\.uuid) == [0x2A35, 0x2A36, 0x2A5E, 0x2A5F, 0x2A52])
        #expect(gatt.service == GATTService.bloodPressure) // discovery filters on the first
    }

    @Test func valuesGoToTheirProfileAndReadingsSayWhichProfileDecodedThem() throws {
        var reader = try bloodPressureAndOximeter()
        let up = reader.handle(.linkUp, at: .testStart)
        #expect(up.writes == [GATTWrite(service: GATTService.pulseOximeter, characteristic: GATTCharacteristic.recordAccessControlPoint, value: [0x01, 0x01])])
        let pressure = reader.handle(.value(characteristic: 0x2A35, bytes: [0x04, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0x48, 0x00]), at: .testStart)
        #expect(pressure.measurements.map(\.type) == [.bloodPressure, .pulseRateBloodPressure])
        #expect(pressure.measurements.allSatisfy { $0.sourceProfileId == "ble-blood-pressure" })
        let oximetry = reader.handle(.value(characteristic: 0x2A5F, bytes: [0x00, 0x60, 0x00, 0x46, 0x00]), at: .testStart)
        #expect(oximetry.measurements.map(\.type) == [.spo2, .pulseRateOximetry])
        #expect(oximetry.measurements.allSatisfy { $0.sourceProfileId == "ble-pulse-oximeter" })
        // The device clock is read once for the device, not once per profile.
        let clock = reader.handle(.value(characteristic: GATTCharacteristic.currentTime, bytes: [0xEA, 0x07, 11, 23, 10, 15, 0, 1, 0, 0]), at: .testStart)
        #expect(clock.deviceClock != nil && clock.events.count == 1)
        let stranger = reader.handle(.value(characteristic: 0x2A1C, bytes: [0x00]), at: .testStart)
        #expect(stranger.measurements.isEmpty && stranger.rejections.count == 1)
    }

    @Test func aSingleProfileIsItsOwnReader() throws {
        let profile = try #require(try Repository.catalog().profile(id: "ble-heart-rate"))
        #expect(try DriverRegistry.makeReader(for: [profile]) is GATTDriverSession)
    }
}

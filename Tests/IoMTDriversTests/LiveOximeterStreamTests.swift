import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// The vendor live oximeters across notifications: what one fixture value cannot show (torn frames, resynchronisation,
/// status changes, counter gaps, windows).
@Suite struct LiveOximeterStreamTests {
    func reader(_ id: String) throws -> any DeviceReader {
        try DriverRegistry.makeReader(for: try #require(try Repository.catalog().profile(id: id)))
    }

    /// CRC-8/MAXIM as the published check value states it: "123456789" → 0xA1.
    static func crc8Maxim(_ bytes: [UInt8]) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes { crc ^= byte; for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x8C : crc >> 1 } }
        return crc
    }

    func pc60(_ spo2: UInt8, _ pulse: UInt8) -> [UInt8] {
        let body: [UInt8] = [0xAA, 0x55, 0x0F, 0x08, 0x01, spo2, pulse, 0x00, 0x18, 0x00, 0xC0]
        return body + [Self.crc8Maxim(body)]
    }

    @Test func crcCheckValue() { #expect(Self.crc8Maxim(Array("123456789".utf8)) == 0xA1) }

    /// A frame torn across notifications and garbage before a frame: the values are read, the skipped bytes reported.
    @Test func pc60FramesAreReassembledAcrossNotificationsAfterGarbage() throws {
        var reader = try reader("lepu-pc60fw")
        let tx = LepuPC60FWStream.uartTX
        let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        _ = reader.handle(.linkUp, at: start)
        let stream = [0x00, 0xAA, 0x13] + pc60(97, 71)
        let first = reader.handle(.value(characteristic: tx, bytes: Array(stream.prefix(7))), at: start)
        #expect(first.events.contains(.resynchronised(discardedBytes: 3)) && first.rejections.isEmpty)
        let second = reader.handle(.value(characteristic: tx, bytes: Array(stream.dropFirst(7))), at: start)
        #expect(second.rejections.isEmpty)
        let closed = reader.handle(.tick, at: start.adding(milliseconds: 1000))
        // SpO2, pulse rate and the perfusion index the frame carries (24 tenths: 2.4 %).
        #expect(closed.measurements.map(\.value) == [DecimalValue(97), DecimalValue(71), DecimalValue(significand: 24, exponent: -1)])
        #expect(closed.measurements.map(\.type) == [.spo2, .pulseRateOximetry, .perfusionIndex])
        #expect(closed.measurements.allSatisfy { $0.rawFrame == pc60(97, 71) })
        // Another characteristic of the same service is not the stream.
        #expect(reader.handle(.value(characteristic: LepuPC60FWStream.uartRX, bytes: pc60(97, 71)), at: start).rejections.count == 1)
    }

    @Test func nonin3230StatusChangesAndCounterGapsAreEvents() throws {
        var reader = try reader("nonin-3230")
        let characteristic = Nonin3230Stream.continuousOximetry
        let start = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        func value(_ status: UInt8, counter: UInt8, spo2: UInt8 = 96) -> [UInt8] { [0x0A, status, 29, 0x00, 0xFA, 0x00, counter, spo2, 0x00, 64] }
        _ = reader.handle(.linkUp, at: start)
        let first = reader.handle(.value(characteristic: characteristic, bytes: value(0x10, counter: 1)), at: start)
        #expect(first.events.contains(.deviceInfo(key: "battery", value: "ok (2.9 V)")))
        let lowBattery = reader.handle(.value(characteristic: characteristic, bytes: value(0x30, counter: 2)), at: start.adding(milliseconds: 300))
        #expect(lowBattery.events == [.deviceInfo(key: "battery", value: "low (2.9 V)")])
        let same = reader.handle(.value(characteristic: characteristic, bytes: value(0x30, counter: 3)), at: start.adding(milliseconds: 600))
        #expect(same.events.isEmpty)
        let gap = reader.handle(.value(characteristic: characteristic, bytes: value(0x30, counter: 7)), at: start.adding(milliseconds: 900))
        #expect(gap.events == [.deviceInfo(key: "counterGap", value: "counter 3 then 7: values missed or repeated")])
        // One window of four good samples, then a window where the sensor came off: no number, sensor-off.
        let window = reader.handle(.value(characteristic: characteristic, bytes: value(0x00, counter: 8, spo2: 50)), at: start.adding(milliseconds: 1000))
        // SpO2, pulse rate and the pulse amplitude index (0x00FA hundredths: 2.50 %).
        #expect(window.measurements.map(\.value) == [DecimalValue(96), DecimalValue(64), DecimalValue(significand: 250, exponent: -2)])
        let off = reader.handle(.linkDown, at: start.adding(milliseconds: 1500))
        #expect(off.measurements.allSatisfy { $0.value == nil && $0.status.contains(.sensorOff) && $0.status.contains(.notAvailable) })
    }

    /// The profiles name vendor services in full, and each reader asks for exactly its service.
    @Test func vendorProfilesMatchTheirServices() throws {
        let catalog = try Repository.catalog()
        for (id, service) in [("lepu-pc60fw", LepuPC60FWStream.service), ("jumper-jpd500f", JumperJPD500FStream.service),
                              ("nonin-3230", Nonin3230Stream.service)] {
            #expect(catalog.matches(bleServices: [service]).map(\.id) == [id])
            #expect(try reader(id).needs.gattProfile?.service == service)
        }
    }
}

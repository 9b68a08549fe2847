import Foundation
import IoMTCore
import IoMTDBus
import IoMTLab
import IoMTStore
import Testing

/// An A&D cuff (DeviceProfiles/and-ua651ble.json) through the real iomtd, python-dbusmock playing bluetoothd and the cuff:
/// the Date Time in its BP service written with the gateway's time, a record its slow clock stamped corrected by the offset
/// read first, and its disconnect after the record shown as a session's end, not a fault.
extension BluetoothToDOMTests {
    static let andCuffAddress = "A0:B1:C2:00:00:0A"

    @Test func anAAndDCuffsSessionSetsItsClockKeepsTheRecordsTrueTimeAndEndsWithoutAFault() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let cuff = try await bench.addDevice(Self.andCuffAddress, name: "A&D_UA-651", uuids: [bench.full(0x1810)])
        // Paired once with `iomtctl pair` (bonded and trusted): bonding-required lets it through.
        try await bench.mockCall(cuff, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["Paired": .boolean(true), "Trusted": .boolean(true)])])
        let service = try await bench.addService(cuff, index: 0x10, uuid: 0x1810)
        let measurement = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x00, 0x00])
        // Its clock ten minutes slow, ticking (a Date Time is the first 7 bytes of the mock's ticking clock value).
        let dateTime = try await bench.addCharacteristic(service, index: 0x16, uuid: 0x2A08, flags: ["read", "write"], tickingClockOffsetSeconds: -600)

        try await withGatewayScenario("ble-and-cuff") { lab in
            lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address, "IOMTD_CLOCK_SYNCHRONISATION": "synchronised"]
            try writeConfiguration(lab, bluetooth: "{}", devices: #"[{"profile": "and-ua651ble", "address": "\#(Self.andCuffAddress)"}]"#)
            try lab.startReceiver()
            #expect(await lab.waitForReceiver())
            try lab.startDaemon()
            #expect(await waitForCalls(bench, dateTime, "WriteValue", atLeast: 1), "the Date Time is written: \(lab.logs())")
            #expect(await waitForCalls(bench, measurement, "StartNotify", atLeast: 1), "\(lab.logs())")
            let written = try #require(try await bench.mockCall(dateTime, "GetMethodCalls", [.string("WriteValue")]).first?.arrayValue?.first?
                .structureFields?.last?.arrayValue?.first?.unwrapped.bytesValue)
            #expect(written.count == 7, "a Date Time, not a Current Time: \(written)")
            let now = Date()
            #expect(abs(Self.date(fromDateTime: written).timeIntervalSince(now)) < 60, "the gateway's time (UTC), not the cuff's: \(written)")

            // A record the cuff took five minutes ago, stamped by its slow clock.
            let trueTime = Date(timeIntervalSince1970: floor(now.timeIntervalSince1970) - 300)
            try await bench.notify(measurement, [0x06, 0x80, 0x00, 0x54, 0x00, 0x63, 0x00] + Self.dateTimeBytes(trueTime.addingTimeInterval(-600)) + [0x48, 0x00])
            #expect(await LabHarness.waitUntil(seconds: 20) { await storedBloodPressureTimes(lab).count == 1 }, "\(lab.logs())")
            let stored = try #require(await storedBloodPressureTimes(lab).first)
            let expected = Instant(millisecondsSinceEpoch: Int64(trueTime.timeIntervalSince1970 * 1000))
            #expect(abs(stored.milliseconds(since: expected)) < 60_000, "corrected by the offset read before the write: \(stored), expected \(expected)")

            // The cuff has sent its unsent record and ends the link: a session's end on the device board.
            try await bench.dropLink(cuff)
            #expect(await LabHarness.waitUntil(seconds: 20) {
                (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]))?.1.contains("session complete") == true
            }, "\(lab.logs())")
            let (_, devices) = try await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket])
            #expect(devices.contains(#""state":"disconnected""#) && !devices.contains("reconnecting"), "\(devices)")
            let cuffLines = lab.logs().split(separator: "\n").filter { $0.contains(Self.andCuffAddress) }
            #expect(!cuffLines.contains { $0.contains(" error ") || $0.contains(" warning ") }, "\(cuffLines)")
            #expect(try await bench.calls(cuff, "Connect") == 1, "no connect while the cuff sleeps")
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 2 }, "\(lab.logs())")
        }
    }

    static func date(fromDateTime bytes: [UInt8]) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: Int(bytes[0]) | Int(bytes[1]) << 8, month: Int(bytes[2]), day: Int(bytes[3]),
                                                  hour: Int(bytes[4]), minute: Int(bytes[5]), second: Int(bytes[6]))) ?? .distantPast
    }

    /// Corrected times of the blood-pressure readings the daemon stored, read beside it.
    func storedBloodPressureTimes(_ lab: GatewayScenario) async -> [Instant] {
        guard let store = try? Store(readOnlyPath: lab.storePath), let rows = try? await store.recent(limit: 100) else { return [] }
        return rows.filter { $0.observation.type.mdcRefId == "MDC_PRESS_BLD_NONINV" }.map(\.observation.correctedTime)
    }
}

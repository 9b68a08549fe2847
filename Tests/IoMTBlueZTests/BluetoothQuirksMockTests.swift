import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import Testing

/// A&D's cuff (DeviceProfiles/and-ua651ble.json, DEVICES.md §3.2) on python-dbusmock's BlueZ: the standard Blood
/// Pressure Service with a Date Time inside it, records indicated and then the link dropped by the device, and data only
/// for the bonded peer — the profile's `bluetoothQuirks` honoured by the connection.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct BluetoothQuirksMockTests {
    /// The shipped profile, read from the repository as the daemon reads it.
    static func aAndDCuff() throws -> any DeviceReader {
        let file = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound)) + "/DeviceProfiles/and-ua651ble.json"
        let profile = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(file: file)
        return try DriverRegistry.makeReader(for: profile)
    }

    /// A record as the cuff indicates it (Firmware-Fixtures/and-ua651ble/record-stamp-pulse): 128/84/99 mmHg, pulse 72.
    static let record: [UInt8] = [0x06, 0x80, 0x00, 0x54, 0x00, 0x63, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0f, 0x00, 0x48, 0x00]
    /// The cuff's own clock before the gateway writes it: 2026-12-05 08:20:00 (ten minutes slow).
    static let slowClock: [UInt8] = [0xea, 0x07, 12, 5, 8, 20, 0]
    /// The gateway's time in these tests: 2026-12-05T08:30:15Z.
    static let gatewayTime = Instant(millisecondsSinceEpoch: 1_796_459_415_000)

    struct Cuff {
        let device: DBusObjectPath
        let measurement: DBusObjectPath
        let dateTime: DBusObjectPath
    }

    /// The cuff's database: 0x1810 with 0x2A35 (indicate), 0x2A49 (read) and 0x2A08 (read, write) inside it.
    func addCuff(_ bench: BlueZMockBench, _ address: String, bonded: Bool) async throws -> Cuff {
        let device = try await bench.addDevice(address, name: "A&D_UA-651", uuids: [bench.full(0x1810)])
        if bonded { try await setBonded(bench, device) }
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        let measurement = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x00, 0x00])
        let dateTime = try await bench.addCharacteristic(service, index: 0x16, uuid: 0x2A08, flags: ["read", "write"], readValue: Self.slowClock)
        return Cuff(device: device, measurement: measurement, dateTime: dateTime)
    }

    /// Runs `body` against a cuff on a fresh bench, read through the shipped profile by a connection; all stopped after.
    func withCuff(_ address: String, bonded: Bool = true, clock: any SchedulingClock = SystemClock(),
                  _ body: (BlueZMockBench, Cuff, EventLog) async throws -> Void) async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let cuff = try await addCuff(bench, address, bonded: bonded)
        let (client, connection, log, task) = try await DeviceConnectionMockTests().start(bench, address: address, reader: try Self.aAndDCuff(),
                                                                                         clock: clock)
        var failure: (any Error)?
        do { try await body(bench, cuff, log) } catch { failure = error }
        await connection.stop()
        _ = await task.value
        await client.stop()
        if let failure { throw failure }
    }

    /// What `iomtctl pair` leaves behind: paired (the mock has no Bonded property: a paired LE device is bonded) and trusted.
    func setBonded(_ bench: BlueZMockBench, _ device: DBusObjectPath) async throws {
        try await bench.mockCall(device, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(
            ["Paired": .boolean(true), "Trusted": .boolean(true)])])
    }

    /// The byte arrays written with WriteValue, in order.
    func writes(_ bench: BlueZMockBench, _ path: DBusObjectPath) async throws -> [[UInt8]] {
        let body = try await bench.mockCall(path, "GetMethodCalls", [.string("WriteValue")])
        return (body.first?.arrayValue ?? []).compactMap { $0.structureFields?.last?.arrayValue?.first?.unwrapped.bytesValue }
    }

    @Test func theDateTimeInTheServiceIsReadThenWrittenWithTheGatewaysTimeBeforeTheRecordsAreAsked() async throws {
        try await withCuff("A0:D0:00:00:00:01", clock: ManualSchedulingClock(Self.gatewayTime)) { bench, cuff, log in
            try await log.waitFor("the connection") { log.count(.connected) == 1 }
            // 2026-12-05 08:30:15 as Date Time: year 2026 little-endian (0x07EA), month, day, hours, minutes, seconds.
            #expect(try await writes(bench, cuff.dateTime) == [[0xea, 0x07, 12, 5, 8, 30, 15]])
            #expect(log.clockEventOrder == ["read", "set"], "the cuff's clock is read (its offset kept) before it is written")
            #expect(log.clockReadings.first?.offsetMilliseconds == -615_000, "ten minutes and fifteen seconds slow")
            #expect(try await bench.calls(cuff.measurement, "StartNotify") == 1)

            try await bench.notify(cuff.measurement, Self.record)
            try await log.waitFor("the record") { log.measurements.count == 2 }
        }
    }

    @Test func theDevicesDisconnectAfterItsRecordsEndsTheSessionWithoutAFaultAndTheNextLinkWaitsForItToAdvertise() async throws {
        try await withCuff("A0:D0:00:00:00:02") { bench, cuff, log in
            try await log.waitFor("the connection") { log.count(.connected) == 1 }
            try await bench.notify(cuff.measurement, Self.record)
            try await bench.notify(cuff.measurement, Self.record)
            try await log.waitFor("both records") { log.measurements.count == 4 }

            try await bench.dropLink(cuff.device) // the cuff has sent its unsent records and ends the link itself
            try await log.waitFor("the session's end") { log.count(.sessionComplete) == 1 }
            #expect(log.count(.reconnecting) == 0, "a session's normal end is not a fault")
            #expect(log.states.last?.1?.contains("sent 2 record(s)") == true)
            // Asleep until its next measurement: discovery watches for it, and no connect is tried meanwhile.
            let adapter = DBusRemoteObject(bench.control, destination: "org.bluez", path: bench.adapter)
            _ = await Eventually.holds(within: 15, pollMilliseconds: 20) {
                (try? await adapter.property("org.bluez.Adapter1", "Discovering")) == .boolean(true)
            }
            #expect(try await adapter.property("org.bluez.Adapter1", "Discovering") == .boolean(true), "discovery for its next advertisement")
            #expect(try await bench.calls(cuff.device, "Connect") == 1)
            #expect(log.count(.connecting) == 1)

            // It measures again and advertises: BlueZ reports the advertisement as an RSSI change.
            try await bench.mockCall(cuff.device, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["RSSI": .int16(-58)])])
            try await log.waitFor("the next session") { log.count(.connected) == 2 }
            #expect(try await bench.calls(cuff.device, "Connect") == 2)
            #expect(try await adapter.property("org.bluez.Adapter1", "Discovering") == .boolean(false))
            #expect(log.count(.reconnecting) == 0)

        }
    }

    @Test func aSleepingDeviceIsTriedOnceAfterAQuietQuarterHourAndItsFailedConnectIsNoFault() async throws {
        let clock = ManualSchedulingClock(Self.gatewayTime)
        try await withCuff("A0:D0:00:00:00:05", clock: clock) { bench, cuff, log in
            try await log.waitFor("the connection") { log.count(.connected) == 1 }
            try await bench.notify(cuff.measurement, Self.record)
            try await log.waitFor("the record") { log.measurements.count == 2 }
            try await bench.dropLink(cuff.device)
            try await log.waitFor("the session's end") { log.count(.sessionComplete) == 1 }
            await clock.waitForSleepers(1) // the quiet period, on the connection's clock
            // Asleep, out of range: a connect fails the way BlueZ reports an LE connection that never came up.
            let asleep = "raise dbus.exceptions.DBusException('le-connection-abort-by-local', name='org.bluez.Error.Failed')"
            try await bench.mockCall(cuff.device, "AddMethod", [.string("org.bluez.Device1"), .string("Connect"), .string(""), .string(""), .string(asleep)])
            #expect(try await bench.calls(cuff.device, "Connect") == 1, "nothing tried before the quarter hour")

            clock.advance(by: .seconds(15 * 60))
            try await log.waitFor("the one attempt") { log.count(.sessionComplete) == 2 }
            #expect(try await bench.calls(cuff.device, "Connect") == 2, "one attempt")
            #expect(log.states.last?.1?.contains("found it asleep") == true && log.states.last?.1?.contains("le-connection-abort-by-local") == true)
            #expect(log.count(.reconnecting) == 0, "a sleeping device is not a fault")
            // After the backoff's first step, the wait for its advertisement goes on: no connect meanwhile.
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(1))
            await clock.waitForSleepers(1)
            #expect(try await bench.calls(cuff.device, "Connect") == 2)
            #expect(log.count(.connecting) == 2)
        }
    }

    @Test func aDisconnectBeforeAnyRecordIsStillShownAsAFault() async throws {
        try await withCuff("A0:D0:00:00:00:03") { bench, cuff, log in
            try await log.waitFor("the connection") { log.count(.connected) == 1 }
            try await bench.dropLink(cuff.device)
            try await log.waitFor("the fault") { log.count(.reconnecting) == 1 }
            #expect(log.states.contains { $0.0 == .reconnecting && ($0.1 ?? "").contains("disconnected before sending any record") })
            #expect(log.count(.sessionComplete) == 0)
            try await log.waitFor("the reconnection, with no advertisement awaited") { log.count(.connected) == 2 }

        }
    }

    @Test func anUnbondedDevicesReadingsAreRefusedWithThePairingRemedyUntilItIsPaired() async throws {
        let address = "A0:D0:00:00:00:04"
        try await withCuff(address, bonded: false) { bench, cuff, log in
            try await log.waitFor("the refusal") { log.count(.refused) >= 1 }
            #expect(log.states.contains { $0.0 == .refused && ($0.1 ?? "").contains("iomtctl pair \(address)") })
            #expect(log.count(.connected) == 0)
            #expect(try await bench.calls(cuff.measurement, "StartNotify") == 0, "nothing is subscribed on an unbonded device")
            #expect(try await writes(bench, cuff.dateTime).isEmpty, "nor is its clock written")
            #expect(try await bench.calls(cuff.device, "Disconnect") >= 1, "the link is not held")
            try await bench.notify(cuff.measurement, Self.record) // indicated to nobody: not subscribed

            try await setBonded(bench, cuff.device) // `iomtctl pair`
            try await log.waitFor("the connection once bonded") { log.count(.connected) == 1 }
            #expect(log.measurements.isEmpty, "nothing of the unbonded link was read")
            // Left alone while unbonded: one refusal, no connect until the bond (a retried connection's disconnect would
            // cut the pairing `iomtctl pair` runs meanwhile; the VM lab saw AuthenticationCanceled).
            #expect(log.count(.refused) == 1)
            #expect(try await bench.calls(cuff.device, "Connect") == 2)
            try await bench.notify(cuff.measurement, Self.record)
            try await log.waitFor("its record") { log.measurements.count == 2 }

        }
    }
}

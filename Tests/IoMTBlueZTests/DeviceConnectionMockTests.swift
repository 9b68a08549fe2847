import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTLab
import Synchronization
import Testing

/// Collects a connection's events; `waitFor` polls (a hang guard, not a timing assertion).
final class EventLog: Sendable {
    private let events = Mutex<[BLEDeviceEvent]>([])
    func append(_ event: BLEDeviceEvent) { events.withLock { $0.append(event) } }
    var measurements: [DecodedMeasurement] {
        events.withLock { $0.flatMap { event -> [DecodedMeasurement] in if case .output(let o, _) = event { o.measurements } else { [] } } }
    }
    var states: [(BLELinkState, String?)] {
        events.withLock { $0.compactMap { event in if case .state(let s, let d) = event { (s, d) } else { nil } } }
    }
    var clockSets: Int {
        events.withLock { $0.filter { event in if case .deviceClockSet = event { true } else { false } }.count }
    }
    var clockReads: Int {
        events.withLock { $0.filter { event in if case .deviceClockRead = event { true } else { false } }.count }
    }
    /// The device clock events in order: "read" and "set".
    var clockEventOrder: [String] {
        events.withLock { $0.compactMap { event in
            switch event { case .deviceClockRead: "read"; case .deviceClockSet: "set"; default: nil }
        } }
    }
    var clockReadings: [DeviceClockReading] {
        events.withLock { $0.compactMap { event in if case .deviceClockRead(let reading) = event { reading } else { nil } } }
    }
    func count(_ state: BLELinkState) -> Int { states.filter { $0.0 == state }.count }
    /// The values of a device-info key the reader reported, in order.
    func deviceInfo(_ key: String) -> [String] {
        events.withLock { $0.flatMap { event -> [String] in
            guard case .output(let output, _) = event else { return [] }
            return output.events.compactMap { if case let .deviceInfo(k, value) = $0, k == key { value } else { nil } }
        } }
    }
    /// Outputs carrying the test reader's link-end marker.
    var linkEnds: Int {
        events.withLock { $0.filter { event in
            if case .output(let output, _) = event { output.events.contains(.deviceInfo(key: "link", value: "down")) } else { false }
        }.count }
    }

    func waitFor(_ what: String, seconds: Double = 15, _ condition: () -> Bool) async throws {
        if await Eventually.holds(within: seconds, pollMilliseconds: 20, { condition() }) { return }
        throw LabFailure("timed out waiting for \(what); states: \(states.map { "\($0.0)\($0.1.map { " (\($0))" } ?? "")" })")
    }
}

@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct DeviceConnectionMockTests {
    static let bloodPressure: [UInt8] = [0x06, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0f, 0x00, 0x48, 0x00]
    static let plxContinuous: [UInt8] = [0x00, 0x60, 0x00, 0x46, 0x00]

    func start(_ bench: BlueZMockBench, address: String, decoder: any GATTProfileDecoder.Type) async throws
        -> (BlueZClient, BLEDeviceConnection, EventLog, Task<String, Never>) {
        try await start(bench, address: address, reader: GATTDriverSession(decoder: decoder))
    }

    func start(_ bench: BlueZMockBench, address: String, reader: any DeviceReader, clock: any SchedulingClock = SystemClock()) async throws
        -> (BlueZClient, BLEDeviceConnection, EventLog, Task<String, Never>) {
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        let adapter = try await client.adapter(named: nil)
        var settings = BLEDeviceConnection.Settings()
        settings.backoff = .init(initialMilliseconds: 50, maximumMilliseconds: 200)
        settings.resolveTimeoutMilliseconds = 3_000
        let connection = BLEDeviceConnection(client: client, adapter: adapter, address: address, reader: reader,
                                             settings: settings, clock: clock, jitterSeed: 42)!
        let log = EventLog()
        let task = Task {
            let consumer = Task { for await event in connection.events { log.append(event) } }
            let reason = await connection.run()
            await consumer.value
            return reason
        }
        return (client, connection, log, task)
    }

    @Test func bloodPressureIndicationsSurviveInProgressAndResubscribeAfterReconnect() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:01"
        let device = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)], failingConnects: 2)
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        let measurement = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"], failingStartNotify: 1)
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])

        let (client, connection, log, task) = try await start(bench, address: address, decoder: BloodPressureProfile.self)
        try await log.waitFor("first connection") { log.count(.connected) == 1 }
        #expect(try await bench.calls(device, "Connect") == 3) // two InProgress, then connected
        #expect(try await bench.calls(measurement, "StartNotify") == 2) // one InProgress, then subscribed

        try await bench.notify(measurement, Self.bloodPressure)
        try await log.waitFor("the first reading") { log.measurements.count == 2 }
        #expect(log.measurements.first?.components.map { $0.value?.description ?? "nil" } == ["120", "80", "93"])

        // The sensor walks away and comes back: BlueZ's notify state is gone, so we must subscribe again.
        try await bench.dropLink(device)
        try await log.waitFor("the reconnection") { log.count(.connected) == 2 }
        #expect(log.count(.reconnecting) >= 1)
        #expect(try await bench.calls(measurement, "StartNotify") == 3)
        try await bench.notify(measurement, Self.bloodPressure)
        try await log.waitFor("the reading after reconnecting") { log.measurements.count == 4 }

        await connection.stop()
        #expect(await task.value == "stopped")
        await client.stop()
    }

    @Test func pulseOximeterRecoversFromConnectionAbortAndFromBlueZForgettingIt() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:02"
        let abort = (name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local")
        let device = try await bench.addDevice(address, name: "Oximeter", uuids: [bench.full(0x1822)], failingConnects: 1, connectError: abort)
        let service = try await bench.addService(device, index: 0x20, uuid: 0x1822)
        let continuous = try await bench.addCharacteristic(service, index: 0x21, uuid: 0x2A5F, flags: ["notify"])
        let spotCheck = try await bench.addCharacteristic(service, index: 0x24, uuid: 0x2A5E, flags: ["indicate"])
        _ = try await bench.addCharacteristic(service, index: 0x27, uuid: 0x2A60, flags: ["read"], readValue: [0x00, 0x00])

        let (client, connection, log, task) = try await start(bench, address: address, decoder: PulseOximeterProfile.self)
        try await log.waitFor("the connection after the abort") { log.count(.connected) == 1 }
        #expect(log.states.contains { $0.0 == .reconnecting && ($0.1 ?? "").contains("le-connection-abort-by-local") })
        #expect(try await bench.calls(device, "Connect") == 2)
        try await bench.notify(continuous, Self.plxContinuous)
        try await log.waitFor("a continuous reading") { log.measurements.count == 2 }

        // BlueZ drops the device object (a temporary device after discovery stopped): discover, wait, reconnect.
        try await bench.removeDevice(device)
        try await log.waitFor("the search") { log.count(.searching) == 1 }
        let adapter = DBusRemoteObject(bench.control, destination: "org.bluez", path: bench.adapter)
        _ = await Eventually.holds(within: 5, pollMilliseconds: 20) {
            (try? await adapter.property("org.bluez.Adapter1", "Discovering")) == .boolean(true)
        }
        #expect(try await adapter.property("org.bluez.Adapter1", "Discovering") == .boolean(true))
        _ = try await bench.addDevice(address, name: "Oximeter", uuids: [bench.full(0x1822)])
        try await log.waitFor("the reconnection") { log.count(.connected) == 2 }
        #expect(try await bench.calls(continuous, "StartNotify") == 2)
        #expect(try await bench.calls(spotCheck, "StartNotify") == 2)
        #expect(try await adapter.property("org.bluez.Adapter1", "Discovering") == .boolean(false))
        try await bench.notify(continuous, Self.plxContinuous)
        try await log.waitFor("a reading after rediscovery") { log.measurements.count == 4 }

        await connection.stop()
        _ = await task.value
        await client.stop()
    }

    /// A reader that keeps something per link (a vendor protocol's window, a transfer in progress) must hear the link
    /// end: the connection hands it `.linkDown` and delivers what it answers, like a serial port's close.
    struct LinkEndReporter: DeviceReader {
        var inner = GATTDriverSession(decoder: BloodPressureProfile.self)
        var needs: DeviceNeeds { inner.needs }
        mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
            guard input == .linkDown else { return inner.handle(input, at: time) }
            return DeviceOutput(events: [.deviceInfo(key: "link", value: "down")])
        }
    }

    /// A blood-pressure monitor (measurement indicated, feature read) on the mock bench.
    @discardableResult
    func addBloodPressureDevice(_ bench: BlueZMockBench, _ address: String) async throws -> DBusObjectPath {
        let device = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)])
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        _ = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])
        return device
    }

    @Test func theReaderHearsEveryLinkEndAndWhatItAnswersIsDelivered() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:08"
        let device = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)])
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        _ = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])
        let (client, connection, log, task) = try await start(bench, address: address, reader: LinkEndReporter())
        try await log.waitFor("the connection") { log.count(.connected) == 1 }
        #expect(log.linkEnds == 0)
        try await bench.dropLink(device)
        try await log.waitFor("the link end reported by the reader") { log.linkEnds == 1 }
        try await log.waitFor("the reconnection") { log.count(.connected) == 2 }
        await connection.stop()
        _ = await task.value
        #expect(log.linkEnds == 2, "the stopped link ended too")
        await client.stop()
    }

    /// A reader that counts the ticks it is given (a vendor protocol times out a silent device on them).
    struct TickCounter: DeviceReader {
        var inner = GATTDriverSession(decoder: BloodPressureProfile.self)
        var ticks = 0
        var needs: DeviceNeeds { inner.needs }
        mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
            guard input == .tick else { return inner.handle(input, at: time) }
            ticks += 1
            return DeviceOutput(events: [.deviceInfo(key: "tick", value: "\(ticks)")])
        }
    }

    @Test func aConnectedReaderIsTickedEverySecondOfTheConnectionsClock() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:09"
        try await addBloodPressureDevice(bench, address)
        let clock = ManualSchedulingClock()
        let (client, connection, log, task) = try await start(bench, address: address, reader: TickCounter(), clock: clock)
        try await log.waitFor("the connection") { log.count(.connected) == 1 }
        await clock.waitForSleepers(1) // the link's ticker, parked on the clock
        clock.advance(by: .milliseconds(999))
        #expect(log.deviceInfo("tick").isEmpty, "no tick before a second has passed on the clock")
        for second in 1...3 {
            clock.advance(by: .milliseconds(second == 1 ? 1 : 1000))
            try await log.waitFor("tick \(second)") { log.deviceInfo("tick").count == second }
            await clock.waitForSleepers(1)
        }
        #expect(log.deviceInfo("tick") == ["1", "2", "3"])
        await connection.stop()
        _ = await task.value
        await client.stop()
    }

    /// A vendor reader that reads the device clock in its own protocol (an Omron cuff's settings) on its first tick and
    /// sets it, after its records, on the second.
    struct VendorClockReader: DeviceReader {
        var inner = GATTDriverSession(decoder: BloodPressureProfile.self)
        var ticks = 0
        var needs: DeviceNeeds { inner.needs }
        mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
            guard input == .tick else { return inner.handle(input, at: time) }
            ticks += 1
            var output = DeviceOutput(events: [.deviceInfo(key: "tick", value: "\(ticks)")])
            if ticks == 1 {
                output.deviceClock = GATTCurrentTime(dateTime: GATTDateTime(year: 2026, month: 1, day: 2, hours: 3, minutes: 4, seconds: 5),
                                                     dayOfWeek: 0, fractions256: 0, adjustReason: 0)
            }
            if ticks == 2 { output.events.append(.deviceClockSetAfterRecords) }
            return output
        }
    }

    @Test func aVendorReadersOwnClockReadAndClockSetReachTheDaemon() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:0A"
        try await addBloodPressureDevice(bench, address)
        let clock = ManualSchedulingClock()
        let (client, connection, log, task) = try await start(bench, address: address, reader: VendorClockReader(), clock: clock)
        try await log.waitFor("the connection") { log.count(.connected) == 1 }
        await clock.waitForSleepers(1)
        #expect(log.clockReads == 0)
        clock.advance(by: .milliseconds(1000))
        try await log.waitFor("the clock read") { log.clockReads == 1 }
        #expect(log.clockSets == 0, "read before it is set")
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(1000))
        try await log.waitFor("the clock set") { log.clockSets == 1 }
        #expect(log.clockReads == 1)
        await connection.stop()
        _ = await task.value
        await client.stop()
    }

    @Test func staleGATTCacheOfABondedDeviceDisconnectsAndRetriesButNeverRemovesIt() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:03"
        let device = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)])
        try await bench.mockCall(device, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["Paired": .boolean(true)])])
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])

        let (client, connection, log, task) = try await start(bench, address: address, decoder: BloodPressureProfile.self)
        try await log.waitFor("three stale caches") { log.states.filter { ($0.1 ?? "").contains("stale GATT cache") }.count >= 3 }
        #expect(try await bench.calls(device, "Disconnect") >= 2) // still there: a bonded device is never removed
        #expect(log.count(.connected) == 0)
        _ = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        try await log.waitFor("the connection once the database is right") { log.count(.connected) == 1 }

        await connection.stop()
        _ = await task.value
        await client.stop()
    }

    @Test func staleGATTCacheOfAnUnbondedDeviceRemovesItTheSecondTimeAndRediscovers() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:05"
        let device = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)])
        let service = try await bench.addService(device, index: 0x10, uuid: 0x1810)
        _ = try await bench.addCharacteristic(service, index: 0x14, uuid: 0x2A49, flags: ["read"], readValue: [0x01, 0x00])

        let (client, connection, log, task) = try await start(bench, address: address, decoder: BloodPressureProfile.self)
        try await log.waitFor("the search after RemoveDevice") { log.count(.searching) == 1 }
        #expect(log.states.filter { ($0.1 ?? "").contains("stale GATT cache") }.count == 2)
        #expect(try await bench.control.managedObjects(destination: "org.bluez")[device] == nil)
        // The device advertises again, now with its full database.
        _ = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A35, flags: ["indicate"])
        _ = try await bench.addDevice(address, name: "BPM", uuids: [bench.full(0x1810)])
        try await log.waitFor("the connection after rediscovery") { log.count(.connected) == 1 }

        await connection.stop()
        _ = await task.value
        await client.stop()
    }

    @Test func pairsThroughOurAgentWithAPasskeyAndForgets() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:04"
        let device = try await bench.addDevice(address, name: "Glucose", uuids: [bench.full(0x1808)])
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        try await bench.requirePasskey(device, passkey: 123456, agentOwner: client.bus.uniqueName)
        let adapter = try await client.adapter(named: "hci0")

        await #expect(throws: DBusError.self) {
            _ = try await client.pair(address: address, adapter: adapter, secret: .passkey(111111), serviceUUIDs: [])
        }
        let paired = try await client.pair(address: address, adapter: adapter, secret: .passkey(123456), serviceUUIDs: [])
        #expect(paired.paired && paired.trusted)
        #expect(client.agent.requests.filter { $0 == "RequestPasskey \(device.text)" }.count == 2)

        try await client.forget(address: address, adapter: adapter)
        #expect(await client.wait(timeoutMilliseconds: 5_000) { $0.device(at: device) == nil })
        await client.stop()
    }
}

@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct GlucoseAndClockMockTests {
    /// Firmware-Fixtures/ble-glucose/gm-flags-02-concentration: sequence number 3.
    static let glucoseRecord3: [UInt8] = [0x02, 0x03, 0x00, 0xea, 0x07, 0x0b, 0x17, 0x0a, 0x0f, 0x00, 0x78, 0xb0, 0x11]
    /// Current Time with year 0 (clock not set).
    static let unsetClock: [UInt8] = [0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]

    /// The byte arrays written with WriteValue, in order (GetMethodCalls: a(tav), first argument ay).
    func writes(_ bench: BlueZMockBench, _ path: DBusObjectPath) async throws -> [[UInt8]] {
        let body = try await bench.mockCall(path, "GetMethodCalls", [.string("WriteValue")])
        return (body.first?.arrayValue ?? []).compactMap { call in
            call.structureFields?.last?.arrayValue?.first?.unwrapped.bytesValue
        }
    }

    @Test func setsAnUnsetClockAfterTheStoredRecordsAndAsksFromTheMarkAfterReconnecting() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:06"
        let device = try await bench.addDevice(address, name: "Meter", uuids: [bench.full(0x1808)])
        let glucose = try await bench.addService(device, index: 0x10, uuid: 0x1808)
        let measurement = try await bench.addCharacteristic(glucose, index: 0x11, uuid: 0x2A18, flags: ["notify"])
        _ = try await bench.addCharacteristic(glucose, index: 0x14, uuid: 0x2A51, flags: ["read"], readValue: [0x00, 0x00])
        let racp = try await bench.addCharacteristic(glucose, index: 0x16, uuid: 0x2A52, flags: ["write", "indicate"])
        let timeService = try await bench.addService(device, index: 0x30, uuid: 0x1805)
        let currentTime = try await bench.addCharacteristic(timeService, index: 0x31, uuid: 0x2A2B, flags: ["read", "write", "notify"],
                                                            readValue: Self.unsetClock)

        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        let adapter = try await client.adapter(named: nil)
        var settings = BLEDeviceConnection.Settings()
        settings.backoff = .init(initialMilliseconds: 50, maximumMilliseconds: 200)
        let connection = BLEDeviceConnection(client: client, adapter: adapter, address: address, reader: GATTDriverSession(decoder: GlucoseProfile.self),
                                             settings: settings, clock: SystemClock(), jitterSeed: 1)!
        let log = EventLog()
        let task = Task {
            let consumer = Task { for await event in connection.events { log.append(event) } }
            _ = await connection.run()
            await consumer.value
        }
        try await log.waitFor("the connection") { log.count(.connected) == 1 }
        #expect(try await writes(bench, racp) == [RACPRequest.reportAllRecords.bytes])
        #expect(try await writes(bench, currentTime).isEmpty, "the clock is set only after the stored records it stamped")

        try await bench.notify(measurement, Self.glucoseRecord3)
        try await log.waitFor("the stored record") { log.measurements.count == 1 }
        try await bench.notify(racp, [0x06, 0x00, 0x01, 0x01]) // the transfer is complete
        try await log.waitFor("the clock set") { log.clockSets == 1 }
        let clockWrites = try await writes(bench, currentTime)
        #expect(clockWrites.count == 1)
        #expect(clockWrites.first.map { Int($0[0]) | Int($0[1]) << 8 }.map { $0 >= 2026 } == true) // a real year, not 0
        try await bench.dropLink(device)
        try await log.waitFor("the reconnection") { log.count(.connected) == 2 }
        // Asked from the mark itself (record 3, which must come first and unchanged).
        #expect(try await writes(bench, racp) == [RACPRequest.reportAllRecords.bytes, RACPRequest.reportRecordsFromSequenceNumber(3).bytes])

        await connection.stop()
        await task.value
        await client.stop()
    }

    @Test func bluetoothdLeavingTheBusEndsTheConnection() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let address = "AA:BB:CC:00:00:07"
        let device = try await bench.addDevice(address, name: "HRM", uuids: [bench.full(0x180D)])
        let service = try await bench.addService(device, index: 0x10, uuid: 0x180D)
        _ = try await bench.addCharacteristic(service, index: 0x11, uuid: 0x2A37, flags: ["notify"])
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        let connection = BLEDeviceConnection(client: client, adapter: try await client.adapter(named: nil), address: address,
                                             reader: GATTDriverSession(decoder: HeartRateProfile.self), clock: SystemClock(), jitterSeed: 1)!
        let log = EventLog()
        let task = Task {
            let consumer = Task { for await event in connection.events { log.append(event) } }
            let reason = await connection.run()
            await consumer.value
            return reason
        }
        try await log.waitFor("the connection") { log.count(.connected) == 1 }
        bench.mock.stop() // bluetoothd exits
        let reason = await task.value
        #expect(reason.contains("BlueZ went away"))
        #expect(await client.endReason != nil)
    }
}

@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct AdapterMockTests {
    @Test func theConfiguredAdapterIsChosenAndPoweredOn() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        _ = try await bench.mockCall("/org/bluez", "AddAdapter", [.string("hci1"), .string("second")], interface: "org.bluez.Mock")
        try await bench.mockCall("/org/bluez/hci1", "UpdateProperties", [.string("org.bluez.Adapter1"), .stringVariantDictionary(["Powered": .boolean(false)])])
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        #expect(try await client.adapter(named: nil).name == "hci0") // the first by default
        let second = try await client.adapter(named: "hci1")
        #expect(second.powered)
        #expect(try await bench.control.getProperty(destination: "org.bluez", path: "/org/bluez/hci1", interface: "org.bluez.Adapter1", name: "Powered") == .boolean(true))
        await #expect(throws: BlueZClientError.noAdapter(wanted: "hci7", present: ["hci0", "hci1"])) {
            _ = try await client.adapter(named: "hci7")
        }
        await client.stop()
    }

    @Test func discoveryIsFilteredToHealthServicesOverLEAndSharedBetweenUsers() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        let adapter = try await client.adapter(named: nil)
        try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: ["00001810-0000-1000-8000-00805f9b34fb"])
        try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: ["00001822-0000-1000-8000-00805f9b34fb"])
        let filters = try await bench.mockCall(bench.adapter, "GetMethodCalls", [.string("SetDiscoveryFilter")])
        let last = try #require(filters.first?.arrayValue?.last?.structureFields?.last?.arrayValue?.first?.unwrapped.stringVariantDictionary)
        #expect(last["Transport"] == .string("le"))
        #expect(last["UUIDs"]?.stringArrayValue == ["00001810-0000-1000-8000-00805f9b34fb", "00001822-0000-1000-8000-00805f9b34fb"])
        #expect(try await bench.calls(bench.adapter, "StartDiscovery") == 1)
        await client.releaseDiscovery(adapter: adapter.path)
        #expect(try await bench.calls(bench.adapter, "StopDiscovery") == 0) // one user left
        await client.releaseDiscovery(adapter: adapter.path)
        #expect(try await bench.calls(bench.adapter, "StopDiscovery") == 1)
        await client.stop()
    }

    @Test func startDiscoveryInProgressIsWaitedOut() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let startDiscovery = """
            self.n_sd = getattr(self, 'n_sd', 0) + 1
            if self.n_sd <= 2:
                raise dbus.exceptions.DBusException('Operation already in progress', name='org.bluez.Error.InProgress')
            self.UpdateProperties('org.bluez.Adapter1', {'Discovering': dbus.Boolean(True)})
            """
        try await bench.mockCall(bench.adapter, "AddMethod", [.string("org.bluez.Adapter1"), .string("StartDiscovery"), .string(""), .string(""),
                                                              .string(startDiscovery)])
        let client = BlueZClient(bus: try await bench.bus.connect())
        try await client.start()
        let adapter = try await client.adapter(named: nil)
        try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: ["00001808-0000-1000-8000-00805f9b34fb"])
        #expect(try await bench.calls(bench.adapter, "StartDiscovery") == 3)
        #expect(try await bench.control.getProperty(destination: "org.bluez", path: bench.adapter, interface: "org.bluez.Adapter1",
                                                    name: "Discovering") == .boolean(true))
        await client.stop()
    }
}

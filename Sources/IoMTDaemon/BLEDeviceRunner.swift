import IoMTBlueZ
import IoMTConfiguration
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTProfiles
import IoMTStore

/// Runs one BLE health device: its `BLEDeviceConnection` (BlueZ, GATT, reconnects) on one side,
/// the device board and the ingest pipeline on the other. Readings are normalised with the device
/// clock as read before the gateway set it (persisted per device with the time measured); the Glucose
/// record mark lives in the store and commits with the readings it covers.
final class BLEDeviceRunner: Sendable {
    let identity: DeviceIdentity
    let address: String
    let connection: BLEDeviceConnection
    private let pipeline: IngestPipeline
    private let ingest: DeviceIngest
    private let board: DeviceStatusBoard
    private let clock: any SchedulingClock
    private let utcOffsetMinutes: Int
    private let synchronisation: any GatewayClockSynchronisation
    /// The device's parts that measure for different people (a two-user cuff's user areas; empty: the device is one).
    private let parts: [String]

    /// `profiles`: one, or several read on one connection (a device with several health services; the first names it).
    init(address: String, profiles: [DeviceProfile], client: BlueZClient, adapter: BlueZAdapter, settings: DaemonConfiguration.Bluetooth,
         patientId: String?, pipeline: IngestPipeline, board: DeviceStatusBoard, synchronisation: any GatewayClockSynchronisation,
         clock: any SchedulingClock) throws(DriverConfigurationError) {
        let profile = profiles[0]
        let identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, bluetoothAddress: address)
        let reader = board.captures.capturing(try DriverRegistry.makeReader(for: profiles), key: identity.key)
        let memberIdentities = profiles.count > 1 ? Dictionary(profiles.map {
            ($0.id, DeviceIdentity(profileId: $0.id, manufacturer: $0.manufacturer, model: $0.model, bluetoothAddress: address))
        }, uniquingKeysWith: { first, _ in first }) : [:]
        var connectionSettings = BLEDeviceConnection.Settings()
        connectionSettings.setDeviceClock = settings.setDeviceClock
        connectionSettings.deviceUTCOffsetMinutes = settings.deviceUTCOffsetMinutes
        // Each device its own jitter sequence, so gateways and devices do not retry in lockstep.
        let seed = UInt64(truncatingIfNeeded: clock.now().millisecondsSinceEpoch) ^ UInt64(truncatingIfNeeded: address.hashValue)
        let store = pipeline.store
        guard let connection = BLEDeviceConnection(client: client, adapter: adapter, address: address, reader: reader,
                                                   settings: connectionSettings, clock: clock, jitterSeed: seed,
                                                   recordMarkSource: { part in
            let markKey = identity.part(part).key
            do { return try await store.recordMark(deviceKey: markKey) } catch {
                Log.error("\(markKey): cannot read the record mark from the store (\(error)); asking the device for every record", "bluetooth")
                return nil
            }
        }) else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver", expected: "a GATT driver for a Bluetooth LE device",
                                           found: "\"\(profile.driver)\"")
        }
        self.connection = connection
        self.identity = identity
        self.address = address
        self.pipeline = pipeline; self.board = board; self.clock = clock
        ingest = DeviceIngest(identity: identity, patientId: patientId, pipeline: pipeline, board: board, category: "bluetooth", rejectionsAreRoutine: false,
                              memberIdentities: memberIdentities, homePatientSubDevice: reader.homePatientSubDevice)
        parts = reader.subDevices
        self.synchronisation = synchronisation
        utcOffsetMinutes = settings.deviceUTCOffsetMinutes
        Self.register(identity, profileIds: profiles.map(\.id), address: address, parts: parts, on: board, at: clock.now())
    }

    /// Puts the device and its parts on the board. Registered once: a runner started again after BlueZ came back keeps
    /// the device's reading count. The coordinator registers every configured device at start, before any runner knows
    /// its reader's parts, so the parts are declared here whether or not the device was already on the board.
    static func register(_ identity: DeviceIdentity, profileIds: [String], address: String, parts: [String], on board: DeviceStatusBoard,
                         at time: Instant) {
        if board.entry(identity.key) == nil {
            board.register(key: identity.key, profileId: profileIds.joined(separator: "+"), transport: "ble", address: address, at: time)
        }
        board.declareParts(parts.map { identity.part($0).key }, of: identity.key)
    }

    /// Runs until `stop()` or until BlueZ goes away; returns why.
    func run() async -> String {
        let consumer = Task { [self] in
            var normaliser = Normaliser(assumedDeviceUTCOffsetMinutes: utcOffsetMinutes)
            normaliser.clock.firstSeen = try? await pipeline.store.deviceFirstSeen(deviceKey: identity.key)
            /// After a store failure in a link, marks stay where the store has them until the next link asks again.
            var marksHeld = false
            /// The highest record number of this link, for telling the old clock's records from the set one's.
            var lastSequence: UInt16?
            /// A device with parts: this link's clock stamp for each part, sent with the part's first records of the link.
            var partStamps: [String: Observation] = [:]
            for await event in connection.events {
                switch event {
                case let .state(state, detail):
                    if state == .connecting { marksHeld = false; lastSequence = nil; partStamps = [:] }
                    board.set(identity.key, Self.boardState(state), detail: detail, at: clock.now())
                case let .output(output, receivedAt):
                    normaliser.checkGatewayClock(synchronisation)
                    if let sequence = output.sequenceNumber { lastSequence = max(lastSequence ?? sequence, sequence) }
                    let stamps = Set(output.measurements.compactMap(\.subDevice)).sorted().compactMap { partStamps.removeValue(forKey: $0) }
                    if !stamps.isEmpty { await pipeline.accept(stamps) }
                    if await !ingest.deliver(output, receivedAt: receivedAt, normaliser: normaliser, withMark: !marksHeld) { marksHeld = true }
                case let .deviceClockRead(reading):
                    normaliser.clock.clockRead(reading)
                    partStamps = await recordClock(reading, setAt: nil, normaliser: &normaliser)
                case let .lost(count):
                    // Readings are missing from this link: its marks must not move past them (the next link asks again).
                    marksHeld = true
                    Log.error("\(identity.key): \(count) Bluetooth event(s) lost (the store fell behind); the download mark is held so they are read again", "bluetooth")
                    board.set(identity.key, .connected, detail: "\(count) event(s) lost; read again at the next connection", at: clock.now())
                case let .deviceClockSet(time):
                    normaliser.clock.clockSet(at: time, lastSequence: lastSequence)
                    if let reading = normaliser.clock.lastRead { await recordClock(reading, setAt: time, normaliser: &normaliser) }
                }
            }
        }
        let reason = await connection.run()
        await consumer.value
        return reason
    }

    /// Persists the clock read (offset and when it was measured) and sends the coincident time stamp with it. A device
    /// with parts (a two-user cuff): the stamp of each part is returned instead, to go with that part's records — a user
    /// area nobody uses gets none, so nothing is held for it at every connection.
    @discardableResult
    private func recordClock(_ reading: DeviceClockReading, setAt: Instant?, normaliser: inout Normaliser) async -> [String: Observation] {
        do {
            normaliser.clock.firstSeen = try await pipeline.store.recordDeviceClock(deviceKey: identity.key, reading, setAt: setAt)
        } catch {
            Log.error("\(identity.key): device clock offset NOT stored: \(error)", "bluetooth")
        }
        guard setAt == nil else { return [:] }
        if reading.clockUnset {
            Log.warning("\(identity.key): device clock unset (\(reading.deviceTime.iso8601(withOffset: false, fractionDigits: 0))); records it stamped are held", "bluetooth")
        }
        guard reading.deviceTime.isValid else { return [:] } // a clock reading "year 0" has no time to compare
        let stamp = CoincidentTimeStamp.measurement(reading, rawFrame: [])
        guard !parts.isEmpty else {
            await pipeline.accept([normaliser.normalise(stamp, device: identity, patientId: ingest.homePatient(part: nil), receivedAt: reading.readAt)])
            return [:]
        }
        return Dictionary(uniqueKeysWithValues: parts.map { part in
            (part, normaliser.normalise(stamp, device: identity.part(part), patientId: ingest.homePatient(part: part), receivedAt: reading.readAt))
        })
    }

    func stop() async {
        await connection.stop()
    }

    static func boardState(_ state: BLELinkState) -> DeviceStatusBoard.ConnectionState {
        switch state {
        case .connected: .connected
        case .searching, .connecting, .resolving: .starting
        case .reconnecting: .reconnecting
        case .sessionComplete: .disconnected // the device ended its session after sending its records: not a fault
        case .refused: .failed // not bonded (bonding-required): the detail names `iomtctl pair`
        }
    }
}

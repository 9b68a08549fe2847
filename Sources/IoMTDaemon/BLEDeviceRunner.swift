import IoMTBlueZ
import IoMTCore
import IoMTDrivers
import IoMTProfiles

/// Runs one BLE health device: its `BLEDeviceConnection` (BlueZ, GATT, reconnects) on one side,
/// the device board and the ingest pipeline on the other. Readings are normalised with the device
/// clock offset learned from its Current Time, like the serial path.
final class BLEDeviceRunner: Sendable {
    let identity: DeviceIdentity
    let address: String
    let connection: BLEDeviceConnection
    private let patientId: String?
    private let pipeline: IngestPipeline
    private let board: DeviceStatusBoard
    private let clock: any WallClock
    private let highWater: BluetoothStateFile
    private let utcOffsetMinutes: Int

    init(address: String, profile: DeviceProfile, client: BlueZClient, adapter: BlueZAdapter, settings: DaemonConfiguration.Bluetooth,
         patientId: String?, pipeline: IngestPipeline, board: DeviceStatusBoard, highWater: BluetoothStateFile,
         clock: any WallClock) throws(DriverConfigurationError) {
        let session = try DriverRegistry.makeGATTSession(for: profile, highWaterSequenceNumber: highWater.highWaterSequenceNumber(address))
        var connectionSettings = BLEDeviceConnection.Settings()
        connectionSettings.setDeviceClock = settings.setDeviceClock
        connectionSettings.deviceUTCOffsetMinutes = settings.deviceUTCOffsetMinutes
        // Each device its own jitter sequence, so gateways and devices do not retry in lockstep.
        let seed = UInt64(truncatingIfNeeded: clock.now().millisecondsSinceEpoch) ^ UInt64(truncatingIfNeeded: address.hashValue)
        connection = BLEDeviceConnection(client: client, adapter: adapter, address: address, session: session,
                                         settings: connectionSettings, clock: clock, jitterSeed: seed)
        identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, bluetoothAddress: address)
        self.address = address
        self.patientId = patientId; self.pipeline = pipeline; self.board = board; self.clock = clock
        self.highWater = highWater
        utcOffsetMinutes = settings.deviceUTCOffsetMinutes
        // Registered once: a runner started again after BlueZ came back keeps the device's reading count.
        if board.entry(identity.key) == nil {
            board.register(key: identity.key, profileId: profile.id, transport: "ble", address: address, at: clock.now())
        }
    }

    /// Runs until `stop()` or until BlueZ goes away; returns why.
    func run() async -> String {
        let consumer = Task { [self] in
            var normaliser = Normaliser(assumedDeviceUTCOffsetMinutes: utcOffsetMinutes)
            for await event in connection.events {
                switch event {
                case let .state(state, detail):
                    board.set(identity.key, Self.boardState(state), detail: detail, at: clock.now())
                case let .output(output, receivedAt):
                    await deliver(output, receivedAt: receivedAt, normaliser: normaliser)
                case let .clockOffset(offset):
                    normaliser.deviceClockOffsetMilliseconds = offset
                case let .highWaterSequenceNumber(mark):
                    highWater.setHighWaterSequenceNumber(mark, for: address)
                }
            }
        }
        let reason = await connection.run()
        await consumer.value
        return reason
    }

    func stop() async {
        await connection.stop()
    }

    static func boardState(_ state: BLELinkState) -> DeviceStatusBoard.ConnectionState {
        switch state {
        case .connected: .connected
        case .searching, .connecting, .resolving: .starting
        case .reconnecting: .reconnecting
        }
    }

    private func deliver(_ output: GATTOutput, receivedAt: Instant, normaliser: Normaliser) async {
        for event in output.events {
            switch event {
            case let .rejectedFrame(reason): Log.warning("\(identity.key): value rejected: \(reason)", "bluetooth")
            case let .deviceInfo(key, value): Log.info("\(identity.key): \(key) = \(value)", "bluetooth")
            case let .resynchronised(count): Log.debug("\(identity.key): resynchronised, \(count) bytes skipped", "bluetooth")
            }
        }
        guard !output.measurements.isEmpty else { return }
        let observations = output.measurements.map { normaliser.normalise($0, device: identity, patientId: patientId, receivedAt: receivedAt) }
        let ids = await pipeline.accept(observations)
        if !ids.isEmpty, let latest = observations.map(\.correctedTime).max() {
            board.readingsStored(identity.key, count: ids.count, latest: latest)
        }
    }
}

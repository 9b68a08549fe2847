import IoMTCore
import IoMTDrivers
import IoMTProfiles
import IoMTTransport

/// Runs one serial device: owns its connection and its driver session, feeds bytes to the driver,
/// writes the driver's commands, ticks it once a second, and hands measurements to the pipeline.
actor SerialDeviceRunner {
    let identity: DeviceIdentity
    let patientId: String?
    private var driver: any DriverSession
    private let connection: SerialConnection
    private let pipeline: IngestPipeline
    private let health: HealthMonitor
    private let clock: any WallClock
    private let normaliser = Normaliser()
    private var discardedBytes = 0
    private(set) var framesAccepted = 0

    init(device: DaemonConfiguration.Device, profile: DeviceProfile, settings: SerialSettings, patientId: String?,
         pipeline: IngestPipeline, health: HealthMonitor, clock: any WallClock) throws(DriverConfigurationError) {
        driver = try DriverRegistry.makeSession(for: profile)
        identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                  serialNumber: device.serialNumber, portPath: device.path)
        self.patientId = patientId
        self.pipeline = pipeline
        self.health = health
        self.clock = clock
        connection = SerialConnection(path: device.path, settings: settings)
    }

    var loopName: String { "device \(identity.key)" }

    /// Runs until cancelled.
    func run() async {
        let events = connection.chunks()
        await health.heartbeat(loopName)
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.tick()
            }
        }
        defer { ticker.cancel() }
        for await event in events {
            if Task.isCancelled { break }
            switch event {
            case .opened:
                Log.info("\(identity.key): port open", "serial")
                await handle(driver.start(at: clock.now()), receivedAt: clock.now())
            case let .data(bytes, at):
                await handle(driver.ingest(bytes, at: at), receivedAt: at)
            case let .closed(reason):
                Log.warning("\(identity.key): port closed (\(reason)); reconnecting", "serial")
                await handle(driver.finish(at: clock.now()), receivedAt: clock.now())
            }
        }
    }

    func stop() async {
        connection.stop()
        await handle(driver.finish(at: clock.now()), receivedAt: clock.now())
        await health.remove(loopName)
    }

    private func tick() async {
        await health.heartbeat(loopName)
        await handle(driver.tick(at: clock.now()), receivedAt: clock.now())
    }

    private func handle(_ output: DriverOutput, receivedAt: Instant) async {
        for command in output.commands {
            do { try connection.send(command) } catch {
                Log.warning("\(identity.key): command not sent: \(error)", "serial")
            }
        }
        for event in output.events {
            switch event {
            case let .resynchronised(count):
                discardedBytes += count
                Log.debug("\(identity.key): resynchronised, \(count) bytes skipped (\(discardedBytes) total)", "driver")
            case let .rejectedFrame(reason):
                Log.debug("\(identity.key): frame rejected: \(reason)", "driver")
            case let .deviceInfo(key, value):
                Log.info("\(identity.key): \(key) = \(value)", "driver")
            }
        }
        guard !output.measurements.isEmpty else { return }
        let observations = output.measurements.map {
            normaliser.normalise($0, device: identity, patientId: patientId, receivedAt: receivedAt)
        }
        framesAccepted += observations.count
        await pipeline.accept(observations)
    }
}

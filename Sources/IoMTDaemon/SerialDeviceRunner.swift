import IoMTConfiguration
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTProfiles
import IoMTTransport
import Synchronization

/// Runs one byte-stream device — a serial port, or a Bluetooth Classic SPP device (`RFCOMMDeviceLink`): owns its link
/// and its driver session. Bytes are framed and decoded
/// on the connection's reader thread (the driver is pure and cheap) and its commands written back
/// at once; only completed measurements and diagnostics cross into async code, where they are
/// normalised and handed to the pipeline. A 60 Hz oximeter thus wakes the async world once a second.
final class SerialDeviceRunner: Sendable {
    let identity: DeviceIdentity
    let patientId: String?
    let deviceClass: String
    private let reader: Mutex<any DeviceReader>
    private let connection: any ByteStreamLink
    /// Whether "not connected" makes the loop failing: a serial port should be open; an SPP spot-check device connects
    /// only when it has readings, so its absence is normal.
    private let notConnectedIsFailing: Bool
    private let category: String
    private let pipeline: IngestPipeline
    private let ingest: DeviceIngest
    private let health: HealthMonitor
    private let clock: any WallClock
    private let board: DeviceStatusBoard
    private let normaliser = Normaliser()
    private let synchronisation: any GatewayClockSynchronisation
    private let outputs: AsyncStream<Queued>
    private let outputSink: BoundedStreamSink<Queued>
    private let profileId: String
    private let unframed = Mutex(UnframedInputWatch())
    /// What the board says between links of a device that is not always connected.
    private let waitingDetail: String
    /// Why the port is not open right now (nil while it is), written on the reader thread, reported by the ticker.
    private let connectionProblem = Mutex<CloseReason?>(nil)
    /// The record mark the store committed for this device (a driver that downloads stored records resumes from it at
    /// every link): read before the first link, read again after every delivery that moved it.
    private let committedMark = Mutex<DeviceRecordMark?>(nil)

    convenience init(device: DaemonConfiguration.Device, profile: DeviceProfile, settings: SerialSettings, patientId: String?,
                     pipeline: IngestPipeline, health: HealthMonitor, board: DeviceStatusBoard, clock: any WallClock,
                     synchronisation: any GatewayClockSynchronisation = GatewayClockSynchronisationChoice.fromEnvironment()) throws(DriverConfigurationError) {
        let identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model,
                                      serialNumber: device.serialNumber, portPath: device.path)
        try self.init(identity: identity, profile: profile, link: SerialConnection(path: device.path, settings: settings), transport: "serial",
                      address: device.path, notConnectedIsFailing: true, patientId: patientId, pipeline: pipeline, health: health,
                      board: board, clock: clock, synchronisation: synchronisation)
    }

    /// A Bluetooth Classic SPP device (devices[] entry with an address and a byte-stream profile), read over `link`.
    convenience init(classic link: RFCOMMDeviceLink, profile: DeviceProfile, patientId: String?, pipeline: IngestPipeline,
                     health: HealthMonitor, board: DeviceStatusBoard, clock: any WallClock) throws(DriverConfigurationError) {
        let identity = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, bluetoothAddress: link.address)
        let waitingDetail = profile.sppRole == .gatewayConnects ? Self.gatewayConnects : Self.waitingForDevice
        try self.init(identity: identity, profile: profile, link: link, transport: "bluetooth-classic", address: link.address,
                      notConnectedIsFailing: false, waitingDetail: waitingDetail, patientId: patientId, pipeline: pipeline, health: health,
                      board: board, clock: clock)
        board.set(identity.key, .disconnected, detail: waitingDetail, at: clock.now())
    }

    /// A Classic SPP device between sessions: it pages the gateway when it has readings.
    static let waitingForDevice = "waiting for the device to connect"
    /// A Classic SPP device the gateway connects to (`sppRole` gateway-connects): off or out of range between links.
    static let gatewayConnects = "the gateway connects to it (device off or out of range?)"

    init(identity: DeviceIdentity, profile: DeviceProfile, link: any ByteStreamLink, transport: String, address: String,
         notConnectedIsFailing: Bool, waitingDetail: String = SerialDeviceRunner.waitingForDevice, patientId: String?,
         pipeline: IngestPipeline, health: HealthMonitor, board: DeviceStatusBoard, clock: any WallClock,
         synchronisation: any GatewayClockSynchronisation = GatewayClockSynchronisationChoice.fromEnvironment()) throws(DriverConfigurationError) {
        self.synchronisation = synchronisation
        self.notConnectedIsFailing = notConnectedIsFailing
        self.waitingDetail = waitingDetail
        category = transport == "serial" ? "serial" : "bluetooth"
        let reader = try DriverRegistry.makeReader(for: profile)
        guard reader.needs == .byteStream else {
            throw DriverConfigurationError(profileId: profile.id, field: "driver", expected: "a byte-stream driver for a serial port or SPP link",
                                           found: "\"\(profile.driver)\"")
        }
        self.reader = Mutex(board.captures.capturing(reader, key: identity.key))
        self.identity = identity
        self.patientId = patientId
        deviceClass = profile.deviceClass
        self.pipeline = pipeline
        ingest = DeviceIngest(identity: identity, patientId: patientId, pipeline: pipeline, board: board, category: category, rejectionsAreRoutine: true)
        self.health = health
        self.clock = clock
        self.board = board
        profileId = profile.id
        board.register(key: identity.key, profileId: profile.id, transport: transport, address: address, at: clock.now())
        connection = link
        (outputs, outputSink) = BoundedStreamSink<Queued>.make(name: "device \(identity.key) decoded outputs", capacity: Self.outputBuffer,
                                                               policy: .refuseNewestAndMark, lossMarker: { .lost($0) })
    }

    /// What the reader thread hands to the async side: a driver step's output, or how many were refused before it.
    private enum Queued: Sendable {
        case output(DeviceOutput, Instant)
        case lost(Int)
    }

    /// Decoded outputs waiting for the pipeline (each a second's window or a few frames; a store stalled for over an
    /// hour of a 1 Hz device). Past it, outputs are refused, counted and reported (`readingsLost`), never dropped silently.
    static let outputBuffer = 4096

    /// Outputs refused because the pipeline fell behind (status, metrics).
    var lostOutputs: Int { outputSink.lost }

    var loopName: String { "device \(identity.key)" }

    /// Runs until `stop()`.
    func run() async {
        await health.register(loopName)
        await reloadCommittedMark()
        connection.start { [self] event in
            switch event {
            case .opened:
                connectionProblem.withLock { $0 = nil }
                Log.info("\(identity.key): port open", category)
                reportReachability(true)
                let now = clock.now()
                board.set(identity.key, .connected, at: now)
                let mark = committedMark.withLock { $0 }
                step(reader.withLock { reader in
                    reader.resume(from: mark)
                    return reader.handle(.linkUp, at: now)
                }, at: now)
            case let .data(bytes, at):
                let output = reader.withLock { $0.handle(.bytes(bytes), at: at) }
                step(output, at: at)
                report(unframed.withLock { $0.bytesArrived(bytes.count, decoded: !output.measurements.isEmpty, at: at) }, at: at)
            case .overrun:
                break // only `chunks()` buffers; this handler runs on the reader thread itself
            case let .closed(reason):
                connectionProblem.withLock { $0 = reason }
                let now = clock.now()
                report(unframed.withLock { $0.portClosed() }, at: now)
                if reason != .stopped {
                    if notConnectedIsFailing {
                        Log.warning("\(identity.key): port closed (\(reason)); reconnecting", category)
                    } else {
                        Log.info("\(identity.key): connection closed (\(reason)); \(waitingDetail)", category)
                    }
                    reportReachability(false)
                }
                step(reader.withLock { $0.handle(.linkDown, at: now) }, at: now)
                switch reason {
                case .stopped: board.set(identity.key, .disconnected, detail: "stopped", at: now)
                case .failed: board.set(identity.key, .failed, detail: reason.description, at: now)
                case .unplugged, .unavailable:
                    if notConnectedIsFailing { board.set(identity.key, .reconnecting, detail: reason.description, at: now) } else {
                        board.set(identity.key, .disconnected, detail: "\(waitingDetail) (last link: \(reason))", at: now)
                    }
                }
                if case .failed = reason { Log.error("\(identity.key): \(reason); this device is not read", category) }
                switch reason {
                case .stopped, .failed: outputSink.finish() // the connection has ended for good
                case .unplugged, .unavailable: break
                }
            }
        }
        // The loop's liveness: it turns whether or not the device is connected (a driver wedged on the reader
        // thread holds its lock, and stops it). A device that cannot be opened is failing, not hung.
        let ticker = Task { [self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(1)) } catch { break } // cancelled: no last turn after `ended`
                let now = clock.now()
                let output = reader.withLock { $0.handle(.tick, at: now) }
                step(output, at: now)
                report(unframed.withLock { $0.stepped(decoded: !output.measurements.isEmpty, at: now) }, at: now)
                await health.progressed(loopName)
                let problem = notConnectedIsFailing ? connectionProblem.withLock({ $0 }) : nil
                await health.failing(loopName, problem.map { "not connected (\($0))" })
            }
        }
        for await queued in outputs {
            switch queued {
            case let .output(output, receivedAt): await deliver(output, receivedAt: receivedAt)
            case let .lost(count): readingsLost(count)
            }
        }
        ticker.cancel()
        await ticker.value
        // Ended for good by a setting retrying cannot fix: reported, no longer expected to turn (a stop removes it).
        if case let .failed(detail)? = connectionProblem.withLock({ $0 }) {
            await health.ended(loopName, reason: "not read: \(detail)")
        }
    }

    /// For the `device-unreachable` technical rule (its persistence decides when "unreachable" becomes an alert).
    private func reportReachability(_ reachable: Bool) {
        let (pipeline, identity, deviceClass, patientId) = (pipeline, identity, deviceClass, patientId)
        Task { await pipeline.deviceReachability(reachable, device: identity, deviceClass: deviceClass, patientId: patientId) }
    }

    /// Bytes that never decode: shown on the device board (iomtctl devices, doctor), logged, and raised as the
    /// `device-no-frames` technical condition; cleared when frames decode again or the port closes.
    private func report(_ change: UnframedInputWatch.Change, at time: Instant) {
        let (pipeline, identity, deviceClass, patientId) = (pipeline, identity, deviceClass, patientId)
        switch change {
        case .none: return
        case .raised:
            let bytes = unframed.withLock { $0.unframedBytes }
            Log.warning("\(identity.key): \(bytes) byte(s) in \(UnframedInputWatch.patienceMilliseconds / 1000) s but no valid frame for profile "
                        + "\(profileId) — wrong profile? Check the device model and its profile (iomtctl profiles list), then set it in devices[]", category)
            board.set(identity.key, .connected, detail: UnframedInputWatch.condition, at: time)
        case .cleared:
            Log.notice("\(identity.key): valid frames again", category)
            if board.entry(identity.key)?.detail == UnframedInputWatch.condition { board.set(identity.key, .connected, at: time) }
        case .reset: break
        }
        let active = change == .raised
        Task { await pipeline.deviceCondition("device-no-frames", active: active, device: identity, deviceClass: deviceClass, patientId: patientId) }
    }

    /// Stops reading; the driver's last window is flushed and delivered before `run` returns.
    func stop() async {
        connection.stop()
        await health.remove(loopName)
    }

    /// Synchronous part of a driver step: commands go to the device at once; the rest is queued.
    private func step(_ output: DeviceOutput, at time: Instant) {
        for command in output.byteCommands {
            do { try connection.send(command) } catch {
                Log.warning("\(identity.key): command not sent: \(error)", category)
            }
        }
        if !output.measurements.isEmpty || !output.events.isEmpty { outputSink.yield(.output(output, time)) }
    }

    /// The pipeline fell behind by `outputBuffer` outputs: readings in the refused ones are missing. Said in the
    /// journal and on the device board (iomtctl devices, status), never passed over.
    private func readingsLost(_ count: Int) {
        let detail = "\(count) decoded output(s) lost: the pipeline fell behind (\(outputSink.lost) since start)"
        Log.error("\(identity.key): \(detail); readings in them are missing", category)
        board.set(identity.key, .connected, detail: detail, at: clock.now())
    }

    private func deliver(_ output: DeviceOutput, receivedAt: Instant) async {
        var normaliser = normaliser
        normaliser.checkGatewayClock(synchronisation) // serial readings are stamped with the gateway's clock
        await ingest.deliver(output, receivedAt: receivedAt, normaliser: normaliser)
        if output.recordMark != nil { await reloadCommittedMark() }
    }

    /// The store's mark, not the one decoded: a record decoded but not stored must be asked for again.
    private func reloadCommittedMark() async {
        do {
            let mark = try await pipeline.store.recordMark(deviceKey: identity.key)
            committedMark.withLock { $0 = mark }
        } catch {
            Log.error("\(identity.key): cannot read the record mark from the store (\(error)); the device's stored records are read again", category)
        }
    }
}

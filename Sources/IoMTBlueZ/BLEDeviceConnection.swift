import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTProfiles
import IoMTTransport

/// What a device connection reports to its runner.
public enum BLEDeviceEvent: Sendable {
    /// searching, connecting, resolving, connected (streaming), reconnecting, failed; with a reason.
    case state(BLELinkState, detail: String?)
    /// Decoded output of one value (read, notification or indication) and when it arrived.
    case output(DeviceOutput, receivedAt: Instant)
    /// The device clock as read, before the gateway sets it (persist it; records it stamped use its offset).
    case deviceClockRead(DeviceClockReading)
    /// The gateway wrote its own time into the device clock at this time (after the memory download).
    case deviceClockSet(at: Instant)
    /// The runner fell behind the bounded event buffer: this many events (decoded outputs among them) were refused
    /// since the last report. Readings are missing: the runner must not advance the download mark on this link.
    case lost(events: Int)
}

public enum BLELinkState: String, Sendable, Hashable {
    case searching, connecting, resolving, connected, reconnecting
    /// `disconnects-after-sending`: the device sent its records and ended the link; waiting for it to advertise again.
    case sessionComplete = "session-complete"
    /// `bonding-required`: the device is not bonded and trusted; nothing is read from it until it is paired.
    case refused
}

/// One BLE health device, end to end: find it (discovery filtered to its service), Connect, wait
/// for ServicesResolved, read, subscribe, write (RACP, clock), then hand every Value change to the
/// device reader — and do it all again after every disconnect, with a jittered backoff.
/// Decisions come from the pure `LinkPolicy`, `BlueZRecovery` and `GATTConnectionPlan`.
public actor BLEDeviceConnection {
    public struct Settings: Sendable {
        public var connectTimeoutMilliseconds: Int64 = 60_000
        public var resolveTimeoutMilliseconds: Int64 = 30_000
        /// The zone the device clock is assumed to run in (BLE Date Time carries none).
        public var deviceUTCOffsetMinutes: Int = 0
        /// Write Current Time when the device clock is unset or off by more than a minute.
        public var setDeviceClock = true
        public var backoff = LinkPolicy(seed: 0).backoff
        /// After a device ended its session (`disconnects-after-sending`), how long to wait for it to advertise before one
        /// connect is tried anyway (an advertisement bluetoothd did not signal must not stall it for good).
        public var advertisementWaitMilliseconds: Int64 = 15 * 60_000
        public init() {}
    }

    public let address: String
    let client: BlueZClient
    let adapter: BlueZAdapter
    let devicePath: DBusObjectPath
    /// The device's reader (the one device contract): values in, readings and writes out.
    var reader: any DeviceReader
    /// The service and characteristics the reader needs.
    let profile: GATTProfile
    let settings: Settings
    /// Now, the link's reader ticks and the reconnect backoff (a test moves it by hand).
    let clock: any SchedulingClock
    private var policy: LinkPolicy
    let sink: BoundedStreamSink<BLEDeviceEvent>
    public nonisolated let events: AsyncStream<BLEDeviceEvent>
    /// Events waiting for the runner (a memory download of a few hundred records arrives faster than it is stored).
    /// Past it, events are refused, counted, logged and reported in order by `.lost`.
    public static let eventBuffer = 4096
    /// Signals of one link waiting for this actor; past it the link is dropped and made again (see `LinkSignal.lost`).
    static let linkSignalBuffer = 1024
    private(set) var stopped = false
    /// The download mark the store committed, asked at every (re)connect for the device (nil) and for each of the
    /// reader's parts (`DeviceReader.subDevices`, by name); nil source: the reader's own.
    let recordMarkSource: (@Sendable (_ subDevice: String?) async -> DeviceRecordMark?)?
    /// A clock write waiting for the end of the memory download (records it stamped are corrected first).
    var pendingClockSet: DBusObjectPath?
    /// The current link's signal stream, so `stop()` can wake a wait.
    private(set) var linkSink: BoundedStreamSink<LinkSignal>?
    /// The device ended its last session itself and no link has been up since: it sleeps, and the next link waits for
    /// it to advertise before connecting.
    var awaitingAdvertisement = false

    /// Nil when the reader does not need a GATT service (a byte-stream driver cannot run over Bluetooth LE).
    public init?(client: BlueZClient, adapter: BlueZAdapter, address: String, reader: any DeviceReader, settings: Settings = Settings(),
                 clock: any SchedulingClock, jitterSeed: UInt64, recordMarkSource: (@Sendable (_ subDevice: String?) async -> DeviceRecordMark?)? = nil) {
        guard let profile = reader.needs.gattProfile else { return nil }
        self.recordMarkSource = recordMarkSource
        self.client = client; self.adapter = adapter; self.address = address.uppercased(); self.reader = reader; self.profile = profile
        self.settings = settings; self.clock = clock
        devicePath = BluetoothAddress.devicePath(adapter: adapter.path, address: address)
        policy = LinkPolicy(backoff: settings.backoff, seed: jitterSeed)
        (events, sink) = BoundedStreamSink<BLEDeviceEvent>.make(name: "bluetooth \(address.uppercased()) events", capacity: Self.eventBuffer,
                                                                policy: .refuseNewestAndMark, lossMarker: { .lost(events: $0) })
    }

    /// Discovery is filtered to the first (advertised) service.
    var serviceUUIDs: [String] { [profile.service.description] }

    /// Runs until `stop()` or until BlueZ goes away (the bus connection ends). Returns why it ended.
    public func run() async -> String {
        defer { sink.finish() }
        while !stopped {
            if let reason = await client.endReason { return reason }
            let failure = await oneLink()
            hand(.linkDown) // a reader keeping a window emits it
            if stopped { break }
            if failedWhileAsleep(failure) {
                let delay = policy.decide(failure, deviceBonded: true).waitMilliseconds
                let detail = "session complete; waiting for its next measurement (a connect attempt found it asleep: \(describe(failure)))"
                sink.yield(.state(.sessionComplete, detail: detail))
                Log.info("\(address): \(detail)", "bluetooth")
                await pause(delay)
                continue
            }
            let bonded = await client.objects.device(at: devicePath)?.bonded ?? false
            let decision = policy.decide(failure, deviceBonded: bonded)
            let detail = describe(failure)
            switch failure {
            case .sessionEnded:
                sink.yield(.state(.sessionComplete, detail: detail))
                Log.info("\(address): \(detail); \(decision)", "bluetooth")
            case .notBonded:
                sink.yield(.state(.refused, detail: detail))
                Log.warning("\(address): \(detail); \(decision)", "bluetooth")
            default:
                sink.yield(.state(.reconnecting, detail: detail))
                Log.info("\(address): \(detail); \(decision)", "bluetooth")
            }
            switch decision {
            case .reconnectBus:
                return "BlueZ went away: \(detail)"
            case let .reconnect(ms), let .rediscover(ms):
                await pause(ms)
            case let .disconnectAndReconnect(remove, ms):
                _ = try? await call(devicePath, BlueZ.device, "Disconnect")
                if remove {
                    Log.warning("\(address): GATT cache still stale; removing the device from BlueZ to rediscover it", "bluetooth")
                    try? await client.removeDevice(devicePath, adapter: adapter.path)
                }
                await pause(ms)
            case .awaitAdvertisement:
                awaitingAdvertisement = true
            case .awaitBond:
                _ = try? await call(devicePath, BlueZ.device, "Disconnect")
                await waitUntilBonded()
            }
        }
        return "stopped"
    }

    public func stop() async {
        stopped = true
        linkSink?.yield(.stopped)
        _ = try? await call(devicePath, BlueZ.device, "Disconnect", timeout: 5_000)
    }

    func pause(_ milliseconds: Int64) async {
        guard milliseconds > 0 else { return }
        let deadline = milliseconds
        var waited: Int64 = 0
        // Sleep in slices so stop() is noticed promptly.
        while waited < deadline, !stopped {
            let slice = min(200, deadline - waited)
            try? await clock.sleep(for: .milliseconds(slice))
            waited += slice
        }
    }

    /// How often a connected reader is ticked (vendor protocols time out a silent device, poll, or keep a link alive).
    public static let tickInterval: Duration = .seconds(1)

    private func describe(_ failure: LinkFailure) -> String {
        switch failure {
        case .call(let recovery): "\(recovery)"
        case .disconnected: "disconnected"
        case .deviceRemoved: "BlueZ removed the device object"
        case .staleGATTCache(let problem): "stale GATT cache: \(problem)"
        case .servicesNotResolved: "services not resolved in time"
        case .sessionEnded(let records): "session complete: the device sent \(records) record(s) and ended the link; waiting for its next measurement"
        case .disconnectedBeforeAnyRecord: "the device disconnected before sending any record"
        case .notBonded: "readings refused: the device is not bonded to the gateway (bonding required); pair it once with `iomtctl pair \(address)`"
        }
    }

    // MARK: - One link, from finding the device to its loss

    private func oneLink() async -> LinkFailure {
        // 1. The device object must exist; BlueZ forgets unpaired devices some time after discovery stops.
        if await client.objects.device(at: devicePath) == nil {
            sink.yield(.state(.searching, detail: "discovering (service \(profile.service.shortText))"))
            do { try await client.acquireDiscovery(adapter: adapter.path, serviceUUIDs: serviceUUIDs) } catch {
                return .call(BlueZRecovery.classify(error))
            }
            let path = devicePath
            while !stopped, await client.endReason == nil {
                if await client.wait(timeoutMilliseconds: 1_000, until: { $0.device(at: path) != nil }) { break }
            }
            await client.releaseDiscovery(adapter: adapter.path)
            awaitingAdvertisement = false // it appeared: it is advertising
            if stopped { return .disconnected }
            if let reason = await client.endReason { return .call(.reconnectBus(reason: reason)) }
        }

        // 2. Watch this device's objects before connecting, so no change is missed.
        let changes: DBusSignalSubscription
        let removals: DBusSignalSubscription
        do {
            changes = try await client.bus.subscribe(.signal(sender: BlueZ.service, interface: DBusStandardInterface.properties,
                                                             member: "PropertiesChanged", pathNamespace: devicePath))
            removals = try await client.bus.subscribe(.signal(sender: BlueZ.service, interface: DBusStandardInterface.objectManager,
                                                              member: "InterfacesRemoved", arg0: nil))
        } catch { return .call(BlueZRecovery.classify(error)) }
        defer { changes.cancel(); removals.cancel() }
        let (linkEvents, linkSink) = BoundedStreamSink<LinkSignal>.make(name: "bluetooth \(address) link signals", capacity: Self.linkSignalBuffer,
                                                                        policy: .refuseNewestAndMark, lossMarker: { .lost($0) })
        let path = devicePath
        let forwarders = [
            Task { do { for try await m in changes { if let c = DBusPropertiesChanged(m) { linkSink.yield(.changed(c)) } } } catch { Log.warning("\(path.description): \(error)", "bluetooth") }
                   linkSink.yield(.busEnded) },
            Task { do { for try await m in removals {
                if case .interfacesRemoved(let removed, let interfaces)? = DBusObjectManagerSignal(m), removed == path,
                   interfaces.contains(BlueZ.device) { linkSink.yield(.removed) }
            } } catch { Log.warning("\(path.description): \(error)", "bluetooth") }
                   linkSink.yield(.busEnded) },
        ]
        self.linkSink = linkSink
        defer { forwarders.forEach { $0.cancel() }; linkSink.finish(); self.linkSink = nil }
        if stopped { return .disconnected }
        var iterator = linkEvents.makeAsyncIterator()
        if awaitingAdvertisement, let ended = await waitForAdvertisement(&iterator) { return ended }

        // 3. Connect (LE connection + GATT discovery can take long with a sleepy sensor).
        sink.yield(.state(.connecting, detail: nil))
        let already = await client.objects.device(at: devicePath)
        if already?.connected != true {
            do { _ = try await call(devicePath, BlueZ.device, "Connect", timeout: settings.connectTimeoutMilliseconds) } catch {
                let recovery = BlueZRecovery.classify(error)
                if recovery != .proceed { return .call(recovery) }
            }
        }

        // 4. ServicesResolved, while watching Connected=false and the device's removal.
        sink.yield(.state(.resolving, detail: nil))
        if await client.objects.device(at: devicePath)?.servicesResolved != true {
            let timer = Task { [linkSink, settings, clock] in
                do { try await clock.sleep(for: .milliseconds(settings.resolveTimeoutMilliseconds)) } catch { return }
                linkSink.yield(.timeout)
            }
            defer { timer.cancel() }
            resolving: while let signal = await iterator.next(isolation: #isolation) {
                switch signal {
                case .changed(let change) where change.path == devicePath && change.interface == BlueZ.device:
                    if change.changed["Connected"]?.boolValue == false { return .disconnected }
                    if change.changed["ServicesResolved"]?.boolValue == true { break resolving }
                case .changed: continue
                case .lost: return .disconnected // see LinkSignal.lost
                case .removed: return .deviceRemoved
                case .timeout: return .servicesNotResolved
                case .tick: continue // ticks start once the link is up
                case .stopped: return .disconnected
                case .busEnded: return .call(.reconnectBus(reason: "the D-Bus connection ended"))
                }
            }
            if stopped { return .disconnected }
        }

        // 5. The GATT objects BlueZ now has for this device.
        let plan: GATTConnectionPlan
        do {
            try await client.refresh()
            plan = try GATTConnectionPlan.make(profile: profile, services: await client.objects.gattServices(of: devicePath))
        } catch let problem as GATTConnectionPlan.Problem {
            return .staleGATTCache(problem)
        } catch { return .call(BlueZRecovery.classify(error)) }
        if !plan.skipped.isEmpty {
            Log.debug("\(address): optional characteristics absent: \(plan.skipped.map(\.shortText).joined(separator: ", "))", "bluetooth")
        }

        // A device that must be bonded is read only once it is bonded and trusted (like a Classic link): before any read.
        if profile.quirks.contains(.bondingRequired), await !bondedThroughTheGateway() { return .notBonded }

        // 6. Reads, clock, subscriptions, writes — the RACP request from the mark the store holds.
        if let recordMarkSource {
            reader.resume(from: await recordMarkSource(nil))
            var partMarks: [String: DeviceRecordMark] = [:]
            for part in reader.subDevices { partMarks[part] = await recordMarkSource(part) }
            if !reader.subDevices.isEmpty { reader.resume(subDeviceMarks: partMarks) }
        }
        pendingClockSet = nil
        do { try await setUp(plan) } catch { return .call(BlueZRecovery.classify(error)) }

        policy.linkEstablished()
        awaitingAdvertisement = false
        sink.yield(.state(.connected, detail: nil))
        Log.notice("\(address): connected, \(plan.subscriptions.count) characteristic(s) subscribed", "bluetooth")

        // 7. Stream: Value changes of subscribed characteristics, in arrival order, until the link ends; the reader is
        // ticked every second on the connection's clock, in the same order as the values.
        let subscribed = Dictionary(plan.subscriptions.map { ($0.path, $0.uuid) }, uniquingKeysWith: { first, _ in first })
        let ticker = Task { [clock, linkSink] in await clock.every(Self.tickInterval) { linkSink.yield(.tick) } }
        defer { ticker.cancel() }
        /// Values of this link that carried readings: the records a device that disconnects after sending has sent.
        var records = 0
        while let signal = await iterator.next(isolation: #isolation) {
            switch signal {
            case .changed(let change):
                if change.path == devicePath, change.interface == BlueZ.device, change.changed["Connected"]?.boolValue == false {
                    return deviceDisconnected(afterRecords: records)
                }
                if change.interface == BlueZ.gattCharacteristic, let uuid = subscribed[change.path],
                   let value = change.changed["Value"]?.bytesValue {
                    let (output, at) = hand(.value(characteristic: uuid, bytes: value))
                    if !output.measurements.isEmpty { records += 1 }
                    do { try await follow(output, at: at, plan: plan) } catch { return .call(BlueZRecovery.classify(error)) }
                }
            case .lost(let count):
                Log.error("\(address): \(count) BlueZ signal(s) lost (this link fell behind); reconnecting to read again from the stored mark", "bluetooth")
                return .disconnected
            case .removed: return .deviceRemoved
            case .timeout: continue
            case .tick:
                let (output, at) = hand(.tick)
                do { try await follow(output, at: at, plan: plan) } catch { return .call(BlueZRecovery.classify(error)) }
            case .stopped: return .disconnected
            case .busEnded: return .call(.reconnectBus(reason: "the D-Bus connection ended"))
            }
            if stopped { break }
        }
        return .disconnected
    }

    enum LinkSignal: Sendable {
        case changed(DBusPropertiesChanged)
        case removed
        case timeout
        /// A second passed on the connection's clock while connected: the reader's tick.
        case tick
        case busEnded
        case stopped
        /// This many signals were refused (Value changes among them): the link is made again, which re-reads and
        /// re-subscribes, and a record-keeping device resends from the stored mark (resends are set aside at delivery).
        case lost(Int)
    }
}

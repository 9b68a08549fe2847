import IoMTBlueZ
import IoMTConfiguration
import IoMTCore
import IoMTIngest
import IoMTDBus
import IoMTDrivers
import IoMTProfiles
import IoMTTransport

/// Talks to BlueZ for the daemon: connects to the system bus (retrying in the background while
/// there is no bus or no bluetoothd — serial devices are unaffected), registers the pairing agent,
/// runs one `BLEDeviceRunner` per configured device (and, with `autoConnectPaired`, per paired and
/// trusted device whose services match a ble profile), and serves `iomtctl scan/pair/forget`.
actor BluetoothCoordinator {
    private let settings: DaemonConfiguration.Bluetooth
    private let profiles: [DeviceProfile]
    private let patientId: String?
    private let pipeline: IngestPipeline
    private let board: DeviceStatusBoard
    /// Stamps board changes; schedules the waits before BlueZ is tried again.
    private let clock: any SchedulingClock
    private let stateDirectory: String
    private let synchronisation: any GatewayClockSynchronisation
    private var client: BlueZClient?
    private var adapter: BlueZAdapter?
    private var runners: [String: (runner: BLEDeviceRunner, task: Task<String, Never>)] = [:]
    /// Bluetooth Classic SPP devices by address (their runners are the daemon's byte-stream runners).
    private let classicLinks: [String: RFCOMMDeviceLink]
    /// Which side opens each SPP device's link (its profile's `sppRole`; absent: the device connects).
    private let classicRoles: [String: SPPRole]
    /// The registered serial port profile (server, client or both roles) and its event task.
    private var serialPort: (profile: SerialPortProfile, task: Task<Void, Never>)?
    /// The SPP client role's reconnect loops by address, one per gateway-connects device.
    private var connectors: [String: Task<Void, Never>] = [:]
    /// What a connector needs, kept to start one afresh after `iomtctl pair` (its backoff may have grown meanwhile).
    private var clientRole: (bus: DBusConnection, adapter: DBusObjectPath, profile: SerialPortProfile)?
    private var stopped = false
    private var unavailableReported = false

    init(configuration: DaemonConfiguration, profiles: [DeviceProfile], classicLinks: [String: RFCOMMDeviceLink] = [:],
         classicRoles: [String: SPPRole] = [:], pipeline: IngestPipeline, board: DeviceStatusBoard, clock: any SchedulingClock) {
        settings = configuration.bluetooth
        self.classicLinks = classicLinks
        self.classicRoles = classicRoles
        self.profiles = profiles.filter { $0.transport == .ble }
        patientId = configuration.patientId
        self.pipeline = pipeline; self.board = board; self.clock = clock
        stateDirectory = configuration.stateDirectory
        synchronisation = GatewayClockSynchronisationChoice.fromEnvironment()
        for device in settings.devices {
            guard let profile = self.profiles.first(where: { $0.id == device.profileId }) else { continue }
            let key = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, bluetoothAddress: device.address).key
            board.register(key: key, profileId: device.profileIds.joined(separator: "+"), transport: "ble", address: device.address, at: clock.now())
        }
    }

    /// Runs until `stop()`: one BlueZ session after another.
    func run() async {
        await LegacyBluetoothState.importOnce(stateDirectory: stateDirectory, into: pipeline.store)
        var backoff = LinkPolicy(backoff: Backoff(initialMilliseconds: 2_000, maximumMilliseconds: 60_000),
                                 seed: UInt64(truncatingIfNeeded: clock.now().millisecondsSinceEpoch))
        while !stopped {
            do {
                try await session()
                backoff.linkEstablished()
            } catch {
                if !unavailableReported {
                    Log.warning("Bluetooth unavailable, BLE devices are not read (retrying in the background): \(error)", "bluetooth")
                    unavailableReported = true
                } else {
                    Log.debug("Bluetooth still unavailable: \(error)", "bluetooth")
                }
                for device in settings.devices { setBoard(device.address, .reconnecting, detail: "BlueZ unavailable: \(error)") }
            }
            await endSession()
            guard !stopped, case .reconnect(let ms) = backoff.decide(.call(.retryWithBackoff(reason: "")), deviceBonded: false) else { continue }
            // In slices, so a stop is taken within one slice.
            var waited: Duration = .zero
            while waited < .milliseconds(ms), !stopped {
                try? await clock.sleep(for: Self.stopCheckSlice)
                waited += Self.stopCheckSlice
            }
        }
    }

    private static let stopCheckSlice: Duration = .milliseconds(200)

    func stop() async {
        stopped = true
        await endSession()
    }

    private func busAddresses() throws -> [DBusAddress] {
        if let address = settings.busAddress { return try DBusAddress.parse(address) }
        return try DBusAddress.systemBus()
    }

    /// One connection to BlueZ, until the bus or bluetoothd goes away.
    private func session() async throws {
        // Descriptor passing only when SPP devices need it: bluetoothd hands their RFCOMM sockets over as descriptors.
        let bus = try await DBusConnection.connect(to: try busAddresses(), negotiateUnixFDs: !classicLinks.isEmpty)
        let client = BlueZClient(bus: bus)
        self.client = client
        try await client.start()
        let adapter = try await client.adapter(named: settings.adapter)
        self.adapter = adapter
        let storedPasskeys = BluetoothPasskeyFile(stateDirectory: stateDirectory).load()
        // A Classic SPP device pairs with the PIN or passkey printed on it, given later with `iomtctl pair`: the agent is
        // registered able to take it from the start, so `pair` does not register it again (which would cut off a pairing
        // the device started meanwhile, and take the default away from an agent made default on purpose).
        let needsKeyboard = !storedPasskeys.isEmpty || !classicLinks.isEmpty || settings.devices.contains { $0.passkey != nil || $0.pin != nil }
        do { try await client.ensureAgent(capability: needsKeyboard ? "KeyboardDisplay" : PairingAgent.defaultCapability) } catch {
            // Reading needs no agent (bonded and Just Works devices); pairing tries again on `iomtctl pair`.
            Log.warning("pairing agent not registered (devices that ask for a passkey cannot pair): \(error)", "bluetooth")
        }
        for device in settings.devices {
            let secret: PairingSecret? = device.passkey.map { .passkey($0) } ?? device.pin.map { .pin($0) }
            client.agent.allow(BluetoothAddress.devicePath(adapter: adapter.path, address: device.address), secret: secret)
        }
        // Passkeys given with `iomtctl pair` for Classic devices; a passkey in devices[] wins for its device.
        for (address, passkey) in storedPasskeys where !settings.devices.contains(where: { $0.address.uppercased() == address && ($0.passkey != nil || $0.pin != nil) }) {
            client.agent.allow(BluetoothAddress.devicePath(adapter: adapter.path, address: address), secret: .passkey(passkey))
        }
        await registerSerialPortProfiles(on: bus, adapter: adapter.path)
        if unavailableReported { Log.notice("Bluetooth available again", "bluetooth") }
        unavailableReported = false
        Log.notice("Bluetooth: adapter \(adapter.name) (\(adapter.address)), \(settings.devices.count - classicLinks.count) configured BLE device(s), \(classicLinks.count) Classic SPP device(s)", "bluetooth")
        for device in settings.devices {
            guard let configured = profiles(of: device) else { continue }
            start(address: device.address, profiles: configured, client: client, adapter: adapter)
        }
        while !stopped, await client.endReason == nil {
            if settings.autoConnectPaired { await startPairedDevices(client: client, adapter: adapter) }
            _ = await client.wait(timeoutMilliseconds: 5_000) { _ in false }
        }
        if let reason = await client.endReason, !stopped { throw BluetoothUnavailable(reason: reason) }
    }

    private struct BluetoothUnavailable: Error, CustomStringConvertible {
        let reason: String
        var description: String { "BlueZ connection lost: \(reason)" }
    }

    /// The configured SPP devices' profiles: the server role for devices that page the gateway, the client role (and one
    /// `SerialPortConnector` each) for devices the gateway connects to; each connection goes to its device's link. A
    /// failure here leaves BLE devices running: it is logged and shown on the SPP devices' board entries.
    private func registerSerialPortProfiles(on bus: DBusConnection, adapter: DBusObjectPath) async {
        let outgoing = classicLinks.filter { classicRoles[$0.key] == .gatewayConnects }
        let incoming = classicLinks.filter { classicRoles[$0.key] != .gatewayConnects }
        guard !classicLinks.isEmpty else { return }
        // bluetoothd takes one registration per UUID: devices of both kinds share one profile in both roles.
        let role: SerialPortProfile.Role = outgoing.isEmpty ? .server : incoming.isEmpty ? .client : .both
        guard let profile = await registerSerialPortProfile(on: bus, adapter: adapter, role: role, links: classicLinks) else { return }
        if !incoming.isEmpty { Log.notice("Bluetooth Classic: listening for \(incoming.count) SPP device(s)", "bluetooth") }
        guard !outgoing.isEmpty else { return }
        Log.notice("Bluetooth Classic: connecting to \(outgoing.count) SPP device(s)", "bluetooth")
        clientRole = (bus, adapter, profile)
        for address in outgoing.keys.sorted() { startConnector(address) }
    }

    /// (Re)starts the device's SPP client loop with a fresh backoff.
    private func startConnector(_ address: String) {
        guard let (bus, adapter, profile) = clientRole, !stopped else { return }
        connectors.removeValue(forKey: address)?.cancel()
        let connector = SerialPortConnector(bus: bus, device: BluetoothAddress.devicePath(adapter: adapter, address: address), address: address,
                                            clock: clock, seed: UInt64(truncatingIfNeeded: clock.now().millisecondsSinceEpoch) &+ UInt64(connectors.count),
                                            isConnected: { profile.openStream(for: address) != nil },
                                            report: { [weak self] state in Task { await self?.connectorReported(address, state) } })
        connectors[address] = Task { await connector.run() }
    }

    /// The client role on the device board: the attempt and why the last one failed (the runner reports the link itself).
    private func connectorReported(_ address: String, _ state: SerialPortConnectorState) {
        switch state {
        case let .connecting(attempt):
            setBoard(address, transport: "bluetooth-classic", .reconnecting, detail: "the gateway is connecting (attempt \(attempt))")
        case let .waiting(reason, ms):
            setBoard(address, transport: "bluetooth-classic", .reconnecting, detail: "\(reason); next attempt in \(ms / 1000).\(ms % 1000 / 100) s")
        case .connected:
            break
        }
    }

    private func registerSerialPortProfile(on bus: DBusConnection, adapter: DBusObjectPath, role: SerialPortProfile.Role,
                                           links: [String: RFCOMMDeviceLink]) async -> SerialPortProfile? {
        let profile = SerialPortProfile(path: role == .client ? SerialPortProfile.clientPath : SerialPortProfile.defaultPath, adapter: adapter,
                                        clock: clock, admits: { links[$0] != nil })
        do { try await profile.register(on: bus, options: SerialPortProfile.Options(role: role)) } catch {
            Log.error("Bluetooth Classic: the serial port profile (\(role) role) could not be registered, SPP devices cannot connect: \(error)", "bluetooth")
            for address in links.keys { setBoard(address, transport: "bluetooth-classic", .failed, detail: "SPP profile not registered: \(error)") }
            return nil
        }
        let task = Task {
            for await event in profile.events {
                switch event {
                case let .connected(address, stream):
                    guard let link = links[address] else { stream.stop(); continue }
                    if await self.pairedThroughTheGateway(address, adapter: adapter) { link.attach(stream) } else { stream.stop() }
                case .disconnectRequested, .released:
                    break // the stream has ended (its runner reports it); bluetoothd's return starts a new session
                case let .lost(count):
                    Log.error("Bluetooth Classic: \(count) serial port event(s) refused while the gateway fell behind; the devices connect again", "bluetooth")
                }
            }
        }
        serialPort = (profile, task)
        return profile
    }

    /// A Classic link is read only from a device paired through the gateway (`iomtctl pair`, which marks it Trusted in
    /// BlueZ). `RequireAuthentication` alone lets a device that was never paired connect through Just Works pairing
    /// done on the spot, so anything claiming a configured address could put readings on that device's patient; a
    /// device that really is the bonded one authenticates with its stored link key and is Trusted.
    private func pairedThroughTheGateway(_ address: String, adapter: DBusObjectPath) async -> Bool {
        let path = BluetoothAddress.devicePath(adapter: adapter, address: address)
        if let client, await client.objects.device(at: path)?.trusted == true { return true }
        Log.warning("bluetooth \(address): serial port connection refused: the device was not paired through the gateway (BlueZ does not mark it Trusted); pair it once with `iomtctl pair \(address)`", "bluetooth")
        setBoard(address, transport: "bluetooth-classic", .failed, detail: "connection refused: not paired through the gateway; run `iomtctl pair \(address)`")
        return false
    }

    private func endSession() async {
        for connector in connectors.values { connector.cancel() }
        for connector in connectors.values { await connector.value }
        connectors = [:]
        clientRole = nil
        if let (profile, task) = serialPort {
            await profile.unregister()
            await task.value
            serialPort = nil
        }
        for (_, entry) in runners { await entry.runner.stop() }
        for (address, entry) in runners {
            _ = await entry.task.value
            setBoard(address, .disconnected, detail: stopped ? "stopped" : "BlueZ connection lost")
        }
        runners.removeAll()
        await client?.stop()
        client = nil
        adapter = nil
    }

    /// The ble profiles a configured device is read through; nil when one is not loaded (a serial SPP device).
    private func profiles(of device: DaemonConfiguration.Bluetooth.Device) -> [DeviceProfile]? {
        let found = device.profileIds.compactMap { id in profiles.first { $0.id == id } }
        return found.count == device.profileIds.count ? found : nil
    }

    private func start(address: String, profiles: [DeviceProfile], client: BlueZClient, adapter: BlueZAdapter) {
        let ids = profiles.map(\.id).joined(separator: " + ")
        guard runners[address] == nil, !stopped else { return }
        let runner: BLEDeviceRunner
        do {
            runner = try BLEDeviceRunner(address: address, profiles: profiles, client: client, adapter: adapter, settings: settings,
                                         patientId: patientId, pipeline: pipeline, board: board, synchronisation: synchronisation, clock: clock)
        } catch {
            Log.error("\(address): cannot read with profile \(ids): \(error)", "bluetooth")
            return
        }
        runners[address] = (runner, Task {
            let reason = await runner.run()
            await self.runnerEnded(address, runner, reason: reason)
            return reason
        })
        Log.info("\(address): reading as \(ids)", "bluetooth")
    }

    /// A runner ends by itself only when BlueZ went away: end the whole session, so the coordinator
    /// reconnects (with backoff) and starts every runner again on a fresh object model.
    private func runnerEnded(_ address: String, _ runner: BLEDeviceRunner, reason: String) async {
        guard !stopped, runners[address]?.runner === runner else { return }
        Log.warning("\(address): \(reason); reconnecting to BlueZ", "bluetooth")
        await client?.stop()
    }

    /// The profile(s) `devices[]` gives the address ("a+b" for several), a Classic SPP device's serial profile included.
    func configuredProfileId(of address: String) -> String? {
        settings.devices.first { $0.address.uppercased() == address.uppercased() }?.profileIds.joined(separator: "+")
    }

    /// The ble profile whose service a device advertises or resolved (the catalog's first match: a generic profile before a
    /// model's with `bluetoothQuirks` on the same service, which applies only where devices[] names it).
    func profile(matching uuids: [String]) -> DeviceProfile? {
        ProfileCatalog(profiles: profiles).matches(bleServices: uuids.compactMap(BluetoothUUID.init(parsing:))).first
    }

    private func startPairedDevices(client: BlueZClient, adapter: BlueZAdapter) async {
        for device in await client.objects.devices where device.adapter == adapter.path && device.paired && device.trusted {
            guard runners[device.address.uppercased()] == nil, let profile = profile(matching: device.uuids) else { continue }
            start(address: device.address.uppercased(), profiles: [profile], client: client, adapter: adapter)
        }
    }

    private func setBoard(_ address: String, transport: String = "ble", _ state: DeviceStatusBoard.ConnectionState, detail: String?) {
        if let entry = board.snapshot.first(where: { $0.transport == transport && $0.address == address && $0.partOf == nil }) {
            board.set(entry.key, state, detail: detail, at: clock.now())
        }
    }

    // MARK: - Control (iomtctl scan / pair / forget)

    enum ControlError: Error, CustomStringConvertible {
        case unavailable
        var description: String { "Bluetooth is not available (no D-Bus system bus, no bluetoothd, or no adapter); see the daemon log" }
    }

    private func ready() throws -> (BlueZClient, BlueZAdapter) {
        guard let client, let adapter else { throw ControlError.unavailable }
        return (client, adapter)
    }

    var healthServiceUUIDs: [String] { profiles.flatMap { $0.match.bleServices.map(\.description) } }

    func scan(milliseconds: Int64) async throws -> [BlueZDevice] {
        let (client, adapter) = try ready()
        return try await client.scan(adapter: adapter, serviceUUIDs: healthServiceUUIDs, milliseconds: milliseconds)
    }

    func pair(address: String, secret: PairingSecret?) async throws -> BlueZDevice {
        let (client, adapter) = try ready()
        let device = try await client.pair(address: address, adapter: adapter, secret: secret, serviceUUIDs: healthServiceUUIDs)
        // A Classic device's passkey is printed on it and never changes: kept, so the agent answers the device when it
        // pairs again by itself (it pages the gateway). An LE passkey is shown afresh at each pairing: not kept.
        if device.transport == .bredr, case let .passkey(passkey)? = secret {
            try BluetoothPasskeyFile(stateDirectory: stateDirectory).store(passkey, for: address)
            client.agent.allow(device.path, secret: secret)
            Log.notice("\(address): passkey kept in the state directory for the agent (Bluetooth Classic)", "bluetooth")
        }
        if settings.autoConnectPaired { await startPairedDevices(client: client, adapter: adapter) }
        // A device the gateway connects to (SPP client role) is tried at once, not after the backoff its attempts grew
        // while BlueZ did not know it.
        if connectors[address.uppercased()] != nil { startConnector(address.uppercased()) }
        return device
    }

    func forget(address: String) async throws {
        let (client, adapter) = try ready()
        if let entry = runners.removeValue(forKey: address) {
            await entry.runner.stop()
            _ = await entry.task.value
            setBoard(address, .disconnected, detail: "forgotten")
        }
        try await client.forget(address: address, adapter: adapter)
        // A device in devices[] is still wanted: it is discovered and connected afresh.
        if let configured = settings.devices.first(where: { $0.address == address }), let wanted = profiles(of: configured) {
            start(address: address, profiles: wanted, client: client, adapter: adapter)
        }
    }
}

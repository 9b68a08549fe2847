import IoMTCore
import IoMTDBus
import IoMTDrivers

/// One connection to bluetoothd: the live object model, the adapter, shared discovery, the pairing
/// agent, pairing and forgetting. Device connections (`BLEDeviceConnection`) use it.
public actor BlueZClient {
    public let bus: DBusConnection
    public nonisolated let agent = PairingAgent()
    private var model = BlueZObjectModel()
    private var waiters: [Int: (predicate: @Sendable (BlueZObjectModel) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiter = 0
    private var pump: Task<Void, Never>?
    private var discoveryUsers: [DBusObjectPath: Int] = [:]
    private var discoveryUUIDs: [String] = []
    /// Users that also look for Bluetooth Classic devices (scan, pair): while any, the filter's Transport is "auto".
    private var classicDiscoveryUsers: [DBusObjectPath: Int] = [:]
    private var discoveryTransport = "le"
    private var agentCapability: String?
    private var agentExported = false
    private var ended: String?

    public init(bus: DBusConnection) { self.bus = bus }

    /// Subscribes to BlueZ's signals, then reads every object (so nothing between the two is lost).
    public func start() async throws {
        let managers = try await bus.subscribeObjectManager(sender: BlueZ.service)
        let properties = try await bus.subscribe(.signal(sender: BlueZ.service, interface: DBusStandardInterface.properties,
                                                         member: "PropertiesChanged", pathNamespace: BlueZ.root))
        // bluetoothd exiting sends no InterfacesRemoved: its name losing its owner ends this client.
        let owner = try await bus.subscribe(.signal(sender: DBusMessageBus.name, interface: DBusMessageBus.interface,
                                                    member: "NameOwnerChanged", arg0: BlueZ.service))
        pump = Task { [weak self] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [weak self] in
                    do { for try await message in managers { if let signal = DBusObjectManagerSignal(message) { await self?.apply(signal) } } } catch {}
                }
                group.addTask { [weak self] in
                    do { for try await message in properties { if let change = DBusPropertiesChanged(message) { await self?.apply(change) } } } catch {}
                }
                group.addTask { [weak self] in
                    do {
                        for try await message in owner where message.body.count == 3 && message.body[2].stringValue == "" {
                            await self?.end("bluetoothd left the bus (org.bluez has no owner)")
                            self?.bus.close()
                        }
                    } catch {}
                }
            }
            await self?.end("the D-Bus connection ended")
        }
        try await refresh()
    }

    /// Re-reads every object (after ServicesResolved, GATT objects are all there).
    public func refresh() async throws {
        let objects = try await bus.managedObjects(destination: BlueZ.service)
        model.replaceAll(objects)
        changed()
    }

    /// Unregisters the agent (bluetoothd also drops it when we leave the bus) and closes the connection.
    public func stop() async {
        if agentCapability != nil, ended == nil {
            _ = try? await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.agentManager, member: "UnregisterAgent",
                                    body: [.objectPath(PairingAgent.path)], timeoutMilliseconds: 2_000)
            agentCapability = nil
        }
        pump?.cancel()
        bus.close()
        end("stopped")
    }

    public var objects: BlueZObjectModel { model }
    /// Why the client ended (the bus connection was lost), nil while it runs.
    public var endReason: String? { ended }

    private func apply(_ signal: DBusObjectManagerSignal) { model.apply(signal); changed() }
    private func apply(_ change: DBusPropertiesChanged) { model.apply(change); changed() }

    private func end(_ reason: String) {
        if ended == nil { ended = reason }
        for (_, waiter) in waiters { waiter.continuation.resume(returning: false) }
        waiters.removeAll()
    }

    private func changed() {
        for (id, waiter) in waiters where waiter.predicate(model) {
            waiters[id] = nil
            waiter.continuation.resume(returning: true)
        }
    }

    /// Waits until `predicate` holds for the object model; false on timeout or when the bus is gone.
    public func wait(timeoutMilliseconds: Int64?, until predicate: @escaping @Sendable (BlueZObjectModel) -> Bool) async -> Bool {
        if predicate(model) { return true }
        guard ended == nil else { return false }
        let id = nextWaiter
        nextWaiter += 1
        let timer = timeoutMilliseconds.map { ms in
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(ms))
                await self?.expire(id)
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in waiters[id] = (predicate, continuation) }
        } onCancel: {
            Task { await self.expire(id) }
        }
    }

    private func expire(_ id: Int) { waiters.removeValue(forKey: id)?.continuation.resume(returning: false) }

    // MARK: - Adapter

    /// The adapter named in the configuration ("hci0"), or the first one; powered on if it is off
    /// (Adapter1.Powered is writable, doc/org.bluez.Adapter.rst).
    public func adapter(named name: String?) async throws -> BlueZAdapter {
        let candidates = model.adapters
        guard let adapter = name.map({ wanted in candidates.first { $0.name == wanted } }) ?? candidates.first else {
            throw BlueZClientError.noAdapter(wanted: name, present: candidates.map(\.name))
        }
        if !adapter.powered {
            Log.notice("Bluetooth adapter \(adapter.name) is off; powering it on", "bluetooth")
            try await bus.setProperty(destination: BlueZ.service, path: adapter.path, interface: BlueZ.adapter, name: "Powered", value: .boolean(true))
            _ = await wait(timeoutMilliseconds: 5_000) { $0.adapters.first { $0.path == adapter.path }?.powered == true }
        }
        return model.adapters.first { $0.path == adapter.path } ?? adapter
    }

    // MARK: - Discovery (shared: on while anyone needs it)

    /// Starts discovery filtered to `serviceUUIDs` for one more user: SetDiscoveryFilter UUIDs + Transport "le", or
    /// "auto" (BR/EDR inquiry interleaved with LE scanning on a dual-mode adapter; LE alone on an LE-only one — BlueZ
    /// picks what the adapter allows) while a user also wants Classic devices.
    public func acquireDiscovery(adapter: DBusObjectPath, serviceUUIDs: [String], includeClassic: Bool = false) async throws {
        discoveryUsers[adapter, default: 0] += 1
        if includeClassic { classicDiscoveryUsers[adapter, default: 0] += 1 }
        let merged = Array(Set(discoveryUUIDs + serviceUUIDs)).sorted()
        let transport = classicDiscoveryUsers[adapter, default: 0] > 0 ? "auto" : "le"
        guard discoveryUsers[adapter] == 1 || merged != discoveryUUIDs || transport != discoveryTransport else { return }
        discoveryUUIDs = merged
        discoveryTransport = transport
        do { try await startDiscovery(adapter: adapter) } catch {
            discoveryUsers[adapter, default: 1] -= 1
            if includeClassic { classicDiscoveryUsers[adapter, default: 1] -= 1 }
            throw error
        }
    }

    public func releaseDiscovery(adapter: DBusObjectPath, includeClassic: Bool = false) async {
        guard let users = discoveryUsers[adapter], users > 0 else { return }
        discoveryUsers[adapter] = users - 1
        if includeClassic, let classic = classicDiscoveryUsers[adapter], classic > 0 { classicDiscoveryUsers[adapter] = classic - 1 }
        guard users == 1 else { return }
        do {
            _ = try await bus.call(destination: BlueZ.service, path: adapter, interface: BlueZ.adapter, member: "StopDiscovery")
        } catch {
            Log.debug("StopDiscovery: \(error)", "bluetooth")
        }
    }

    private func startDiscovery(adapter: DBusObjectPath) async throws {
        // Classic discovery filters no service: an older SPP device (a Nonin 9560 of 2008) sends no EIR service list, and
        // BlueZ drops inquiry results without a matching UUID, so it could never be found by address or listed.
        let uuids = discoveryTransport == "auto" ? [] : discoveryUUIDs
        let filter: DBusValue = .stringVariantDictionary(["UUIDs": .stringArray(uuids), "Transport": .string(discoveryTransport)])
        for attempt in 0..<10 {
            do {
                _ = try await bus.call(destination: BlueZ.service, path: adapter, interface: BlueZ.adapter, member: "SetDiscoveryFilter", body: [filter])
                if model.adapters.first(where: { $0.path == adapter })?.discovering != true {
                    _ = try await bus.call(destination: BlueZ.service, path: adapter, interface: BlueZ.adapter, member: "StartDiscovery")
                }
                return
            } catch {
                guard case .waitAndRetry(let ms) = BlueZRecovery.classify(error), attempt < 9 else { throw error }
                Log.debug("discovery on \(adapter): \(error); retrying", "bluetooth")
                try await Task.sleep(for: .milliseconds(ms))
            }
        }
    }

    // MARK: - Agent, pairing, forgetting

    /// Registers the agent with `capability` (re-registering if another one was registered) and makes it the default.
    public func ensureAgent(capability: String = PairingAgent.defaultCapability) async throws {
        guard agentCapability != capability else { return }
        if agentCapability != nil {
            _ = try? await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.agentManager, member: "UnregisterAgent",
                                    body: [.objectPath(PairingAgent.path)])
            agentCapability = nil
        }
        if !agentExported {
            try bus.export(agent.object)
            agentExported = true
        }
        _ = try await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.agentManager, member: "RegisterAgent",
                               body: [.objectPath(PairingAgent.path), .string(capability)])
        _ = try await bus.call(destination: BlueZ.service, path: BlueZ.root, interface: BlueZ.agentManager, member: "RequestDefaultAgent",
                               body: [.objectPath(PairingAgent.path)])
        agentCapability = capability
    }

    /// Finds the device (discovering up to `discoveryMilliseconds`), pairs it through our agent and trusts it.
    public func pair(address: String, adapter: BlueZAdapter, secret: PairingSecret?, serviceUUIDs: [String],
                     discoveryMilliseconds: Int64 = 30_000) async throws -> BlueZDevice {
        let device = try await find(address: address, adapter: adapter, serviceUUIDs: serviceUUIDs, milliseconds: discoveryMilliseconds,
                                    includeClassic: true)
        try await ensureAgent(capability: secret?.capability ?? PairingAgent.defaultCapability)
        agent.expectPairing(device.path, secret: secret)
        defer { agent.pairingEnded(device.path) }
        do {
            _ = try await bus.call(destination: BlueZ.service, path: device.path, interface: BlueZ.device, member: "Pair", timeoutMilliseconds: 90_000)
        } catch {
            guard BlueZRecovery.classify(error) == .proceed else { throw error }
        }
        try await bus.setProperty(destination: BlueZ.service, path: device.path, interface: BlueZ.device, name: "Trusted", value: .boolean(true))
        try await refresh()
        return model.device(at: device.path) ?? device
    }

    /// A device object for `address`, discovering (filtered to `serviceUUIDs`; Classic devices too with `includeClassic`)
    /// while it is not known.
    public func find(address: String, adapter: BlueZAdapter, serviceUUIDs: [String], milliseconds: Int64,
                     includeClassic: Bool = false) async throws -> BlueZDevice {
        if let device = model.device(address: address, adapter: adapter.path) { return device }
        try await acquireDiscovery(adapter: adapter.path, serviceUUIDs: serviceUUIDs, includeClassic: includeClassic)
        let path = adapter.path
        let found = await wait(timeoutMilliseconds: milliseconds) { $0.device(address: address, adapter: path) != nil }
        await releaseDiscovery(adapter: adapter.path, includeClassic: includeClassic)
        guard found, let device = model.device(address: address, adapter: adapter.path) else {
            throw BlueZClientError.deviceNotFound(address: address, seconds: Int(milliseconds / 1000))
        }
        return device
    }

    /// Adapter1.RemoveDevice: BlueZ forgets the device, its bond and its GATT cache.
    public func forget(address: String, adapter: BlueZAdapter) async throws {
        guard let device = model.device(address: address, adapter: adapter.path) else {
            throw BlueZClientError.deviceNotFound(address: address, seconds: 0)
        }
        try await removeDevice(device.path, adapter: adapter.path)
    }

    public func removeDevice(_ device: DBusObjectPath, adapter: DBusObjectPath) async throws {
        _ = try await bus.call(destination: BlueZ.service, path: adapter, interface: BlueZ.adapter, member: "RemoveDevice",
                               body: [.objectPath(device)])
    }

    /// Discovers for `milliseconds` on LE and BR/EDR and returns what the adapter knows (the caller picks the health
    /// devices: a matching profile, or a Classic device offering SPP or of the health class).
    public func scan(adapter: BlueZAdapter, serviceUUIDs: [String], milliseconds: Int64) async throws -> [BlueZDevice] {
        try await acquireDiscovery(adapter: adapter.path, serviceUUIDs: serviceUUIDs, includeClassic: true)
        try? await Task.sleep(for: .milliseconds(milliseconds))
        await releaseDiscovery(adapter: adapter.path, includeClassic: true)
        return model.devices.filter { $0.adapter == adapter.path }
    }
}

public enum BlueZClientError: Error, Sendable, Hashable, CustomStringConvertible {
    case noAdapter(wanted: String?, present: [String])
    case deviceNotFound(address: String, seconds: Int)

    public var description: String {
        switch self {
        case let .noAdapter(wanted, present):
            "no Bluetooth adapter \(wanted.map { "\"\($0)\"" } ?? "") (BlueZ has \(present.isEmpty ? "none" : present.joined(separator: ", ")))"
        case let .deviceNotFound(address, seconds):
            seconds > 0 ? "device \(address) not seen within \(seconds) s of discovery (is it advertising?)" : "BlueZ does not know device \(address)"
        }
    }
}

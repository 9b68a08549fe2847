import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTDrivers
import Testing

@Suite struct RecoveryTests {
    @Test func inProgressWaitsWithoutBackoff() {
        #expect(BlueZRecovery.classify(DBusError.remote(name: "org.bluez.Error.InProgress", message: "Operation already in progress"))
                == .waitAndRetry(milliseconds: BlueZRecovery.inProgressWaitMilliseconds))
    }

    @Test func connectionAbortByLocalRetriesWithBackoff() {
        let abort = DBusError.remote(name: "org.bluez.Error.Failed", message: "le-connection-abort-by-local")
        #expect(BlueZRecovery.classify(abort) == .retryWithBackoff(reason: "org.bluez.Error.Failed: le-connection-abort-by-local"))
    }

    @Test func alreadyConnectedProceeds() {
        #expect(BlueZRecovery.classify(DBusError.remote(name: "org.bluez.Error.AlreadyConnected", message: "")) == .proceed)
        #expect(BlueZRecovery.classify(DBusError.remote(name: "org.bluez.Error.AlreadyExists", message: "Already Paired")) == .proceed)
    }

    @Test func vanishedObjectsAreRediscoveredAndLostBusReconnects() {
        #expect(BlueZRecovery.classify(DBusError.remote(name: DBusErrorName.unknownObject.rawValue, message: "")) == .rediscover)
        #expect(BlueZRecovery.classify(DBusError.remote(name: "org.bluez.Error.DoesNotExist", message: "")) == .rediscover)
        #expect(BlueZRecovery.classify(DBusError.disconnected(reason: "eof")) == .reconnectBus(reason: "eof"))
        #expect(BlueZRecovery.classify(DBusError.remote(name: DBusErrorName.serviceUnknown.rawValue, message: "x")) == .reconnectBus(reason: "\(DBusErrorName.serviceUnknown.rawValue): x"))
    }
}

@Suite struct LinkPolicyTests {
    let backoff = LinkPolicy(seed: 7).backoff

    @Test func backoffGrowsUntilALinkIsEstablished() {
        var policy = LinkPolicy(seed: 7)
        var delays: [Int64] = []
        for _ in 0..<4 {
            guard case .reconnect(let ms) = policy.decide(.disconnected, deviceBonded: false) else { Issue.record("expected reconnect"); return }
            delays.append(ms)
        }
        for (attempt, delay) in delays.enumerated() {
            let base = backoff.baseDelay(attempt: attempt)
            #expect(Double(delay) >= Double(base) * (1 - backoff.jitterFraction) - 1)
            #expect(Double(delay) <= Double(base) * (1 + backoff.jitterFraction) + 1)
        }
        #expect(policy.attempt == 4)
        policy.linkEstablished()
        #expect(policy.attempt == 0)
    }

    @Test func inProgressDoesNotCountAsAnAttempt() {
        var policy = LinkPolicy(seed: 1)
        #expect(policy.decide(.call(.waitAndRetry(milliseconds: 1000)), deviceBonded: false) == .reconnect(afterMilliseconds: 1000))
        #expect(policy.attempt == 0)
    }

    @Test func removedDeviceIsRediscovered() {
        var policy = LinkPolicy(seed: 1)
        guard case .rediscover = policy.decide(.deviceRemoved, deviceBonded: true) else { Issue.record("expected rediscover"); return }
    }

    @Test func staleCacheRemovesOnlyAnUnbondedDeviceAndOnlyTheSecondTime() {
        let problem = GATTConnectionPlan.Problem.serviceMissing(service: 0x1810)
        var unbonded = LinkPolicy(seed: 1)
        guard case .disconnectAndReconnect(false, _) = unbonded.decide(.staleGATTCache(problem), deviceBonded: false) else { Issue.record("first: no removal"); return }
        guard case .disconnectAndReconnect(true, _) = unbonded.decide(.staleGATTCache(problem), deviceBonded: false) else { Issue.record("second: removal"); return }
        var bonded = LinkPolicy(seed: 1)
        _ = bonded.decide(.staleGATTCache(problem), deviceBonded: true)
        guard case .disconnectAndReconnect(false, _) = bonded.decide(.staleGATTCache(problem), deviceBonded: true) else { Issue.record("bonded: never removed"); return }
        // A successful link in between resets the count.
        var recovered = LinkPolicy(seed: 1)
        _ = recovered.decide(.staleGATTCache(problem), deviceBonded: false)
        recovered.linkEstablished()
        guard case .disconnectAndReconnect(false, _) = recovered.decide(.staleGATTCache(problem), deviceBonded: false) else { Issue.record("reset"); return }
    }
}

@Suite struct ConnectionPlanTests {
    func characteristic(_ service: String, _ index: Int, _ uuid: BluetoothUUID, _ flags: [String]) -> (DBusObjectPath, DBusInterfaceProperties) {
        (try! DBusObjectPath("\(service)/char\(index)"), [BlueZ.gattCharacteristic: ["UUID": .string(uuid.description), "Flags": .stringArray(flags)]])
    }

    func model(bloodPressureCharacteristics: [(BluetoothUUID, [String])], currentTime: [String]? = nil) -> BlueZObjectModel {
        let device = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        var objects: [DBusObjectPath: DBusInterfaceProperties] = [
            try! DBusObjectPath(device): [BlueZ.device: ["Address": .string("AA:BB:CC:DD:EE:FF"), "Adapter": .objectPath("/org/bluez/hci0")]],
            try! DBusObjectPath(device + "/service0010"): [BlueZ.gattService: ["UUID": .string(BluetoothUUID(0x1810).description)]],
        ]
        for (index, (uuid, flags)) in bloodPressureCharacteristics.enumerated() {
            let (path, properties) = characteristic(device + "/service0010", index, uuid, flags)
            objects[path] = properties
        }
        if let currentTime {
            objects[try! DBusObjectPath(device + "/service0020")] = [BlueZ.gattService: ["UUID": .string(BluetoothUUID(0x1805).description)]]
            let (path, properties) = characteristic(device + "/service0020", 0, 0x2A2B, currentTime)
            objects[path] = properties
        }
        return BlueZObjectModel(objects: objects)
    }

    @Test func plansReadsSubscriptionsAndSkipsMissingOptionalCharacteristics() throws {
        let objects = model(bloodPressureCharacteristics: [(0x2A35, ["indicate"]), (0x2A49, ["read"])], currentTime: ["read", "write", "notify"])
        let plan = try GATTConnectionPlan.make(profile: BloodPressureProfile.profile, services: objects.gattServices(of: "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"))
        #expect(plan.subscriptions.map(\.uuid) == [0x2A35])
        #expect(plan.reads.map(\.uuid) == [0x2A49])
        #expect(plan.skipped == [0x2A36])
        #expect(plan.clockReads.map(\.uuid) == [0x2A2B])
        #expect(plan.currentTimeWritable != nil)
    }

    @Test func aMissingMandatoryCharacteristicIsAStaleCache() {
        let objects = model(bloodPressureCharacteristics: [(0x2A49, ["read"])])
        #expect(throws: GATTConnectionPlan.Problem.mandatoryCharacteristicMissing(service: 0x1810, characteristic: 0x2A35)) {
            try GATTConnectionPlan.make(profile: BloodPressureProfile.profile, services: objects.gattServices(of: "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"))
        }
        #expect(throws: GATTConnectionPlan.Problem.serviceMissing(service: 0x1822)) {
            try GATTConnectionPlan.make(profile: PulseOximeterProfile.profile, services: objects.gattServices(of: "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"))
        }
    }

    /// A vendor service with a write-only command characteristic (FF01) and a notified answer one (FF02): FF01 is a
    /// write target but never subscribed, FF02 subscribed but never written.
    @Test func aWriteOnlyCharacteristicIsWritableAndNotSubscribed() throws {
        let device = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        var objects: [DBusObjectPath: DBusInterfaceProperties] = [
            try DBusObjectPath(device): [BlueZ.device: ["Address": .string("AA:BB:CC:DD:EE:FF"), "Adapter": .objectPath("/org/bluez/hci0")]],
            try DBusObjectPath(device + "/service0020"): [BlueZ.gattService: ["UUID": .string(BluetoothUUID(0xFF12).description)]],
        ]
        for (index, (uuid, flags)) in [(BluetoothUUID(0xFF01), ["write"]), (BluetoothUUID(0xFF02), ["notify"])].enumerated() {
            let (path, properties) = characteristic(device + "/service0020", index, uuid, flags)
            objects[path] = properties
        }
        let plan = try GATTConnectionPlan.make(profile: ContecSpirometerReader.profile,
                                               services: BlueZObjectModel(objects: objects).gattServices(of: try DBusObjectPath(device)))
        #expect(plan.subscriptions.map(\.uuid) == [0xFF02])
        #expect(plan.writable.keys.map(\.characteristic) == [0xFF01])
        #expect(plan.reads.isEmpty)
    }

    /// BlueZ reports every UUID in the 128-bit form: a vendor service (Nordic UART) is found by its full UUID, and a
    /// write goes to the characteristic of the service it names.
    @Test func aVendor128BitServiceIsPlannedFromBlueZsSpelling() throws {
        let uart: BluetoothUUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
        let rx: BluetoothUUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e", tx: BluetoothUUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
        let profile = GATTProfile(driverId: "test-uart", name: "Nordic UART", service: uart, [.init(tx, .notify), .init(rx, .write)], clock: [])
        let device = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        var objects: [DBusObjectPath: DBusInterfaceProperties] = [
            try DBusObjectPath(device): [BlueZ.device: ["Address": .string("AA:BB:CC:DD:EE:FF"), "Adapter": .objectPath("/org/bluez/hci0")]],
            try DBusObjectPath(device + "/service000c"): [BlueZ.gattService: ["UUID": .string("6E400001-B5A3-F393-E0A9-E50E24DCCA9E")]],
        ]
        for (index, (uuid, flags)) in [(rx, ["write", "write-without-response"]), (tx, ["notify"])].enumerated() {
            let (path, properties) = characteristic(device + "/service000c", index, uuid, flags)
            objects[path] = properties
        }
        let plan = try GATTConnectionPlan.make(profile: profile, services: BlueZObjectModel(objects: objects).gattServices(of: try DBusObjectPath(device)))
        #expect(plan.subscriptions.map(\.uuid) == [tx])
        #expect(plan.target(of: GATTWrite(service: uart, characteristic: rx, value: [0])) == (try DBusObjectPath(device + "/service000c/char0")))
        #expect(plan.target(of: GATTWrite(service: 0xFF12, characteristic: rx, value: [0])) == nil)
    }

    /// One connection for a device with two health services: both are planned, and both must be there.
    @Test func aCombinedProfilePlansEveryServiceAndNeedsThemAll() throws {
        let combined = GATTProfile.combining([BloodPressureProfile.profile, PulseOximeterProfile.profile])
        #expect(combined.services.map(\.uuid) == [0x1810, 0x1822] && combined.mainMeasurement == 0x2A35)
        #expect(combined.clockCharacteristics == [0x2A2B, 0x2A08])
        let device = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        var objects = model(bloodPressureCharacteristics: [(0x2A35, ["indicate"]), (0x2A49, ["read"])]).objects
        #expect(throws: GATTConnectionPlan.Problem.serviceMissing(service: 0x1822)) {
            try GATTConnectionPlan.make(profile: combined, services: BlueZObjectModel(objects: objects).gattServices(of: try DBusObjectPath(device)))
        }
        objects[try DBusObjectPath(device + "/service0030")] = [BlueZ.gattService: ["UUID": .string(BluetoothUUID(0x1822).description)]]
        for (index, (uuid, flags)) in [(BluetoothUUID(0x2A5F), ["notify"]), (BluetoothUUID(0x2A60), ["read"])].enumerated() {
            let (path, properties) = characteristic(device + "/service0030", index, uuid, flags)
            objects[path] = properties
        }
        let plan = try GATTConnectionPlan.make(profile: combined, services: BlueZObjectModel(objects: objects).gattServices(of: try DBusObjectPath(device)))
        #expect(plan.subscriptions.map(\.uuid) == [0x2A35, 0x2A5F])
        #expect(plan.reads.map(\.uuid) == [0x2A49, 0x2A60])
    }

    @Test func clockIsSetWhenUnsetOrOffByMoreThanAMinute() throws {
        let now = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        let exact = GATTCurrentTime(setting: now, utcOffsetMinutes: 0)
        #expect(!DeviceClockPolicy.shouldSet(exact, readAt: now, utcOffsetMinutes: 0))
        #expect(!DeviceClockPolicy.shouldSet(exact, readAt: now.adding(milliseconds: 59_000), utcOffsetMinutes: 0))
        #expect(DeviceClockPolicy.shouldSet(exact, readAt: now.adding(milliseconds: 61_000), utcOffsetMinutes: 0))
        let unset = try GATTCurrentTime.decode([0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
        #expect(DeviceClockPolicy.shouldSet(unset, readAt: now, utcOffsetMinutes: 0))
    }
}

@Suite struct ObjectModelTests {
    @Test func followsInterfacesAddedRemovedAndPropertyChanges() throws {
        var model = BlueZObjectModel()
        let device: DBusObjectPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
        model.apply(.interfacesAdded(path: "/org/bluez/hci0", interfaces: [BlueZ.adapter: ["Address": .string("00:01:02:03:04:05"), "Powered": .boolean(false)]]))
        model.apply(.interfacesAdded(path: "/org/bluez/hci1", interfaces: [BlueZ.adapter: ["Powered": .boolean(true)]]))
        model.apply(.interfacesAdded(path: device, interfaces: [BlueZ.device: ["Address": .string("AA:BB:CC:DD:EE:FF"), "Adapter": .objectPath("/org/bluez/hci0"),
                                                                              "RSSI": .int16(-60), "Paired": .boolean(true)]]))
        #expect(model.adapters.map(\.name) == ["hci0", "hci1"])
        #expect(model.adapters.first?.powered == false)
        let found = try #require(model.device(address: "aa:bb:cc:dd:ee:ff", adapter: "/org/bluez/hci0"))
        #expect(found.rssi == -60 && found.bonded && !found.servicesResolved)

        let message = DBusMessage.signal(path: device, interface: DBusStandardInterface.properties, member: "PropertiesChanged",
                                         body: [.string(BlueZ.device), .stringVariantDictionary(["ServicesResolved": .boolean(true), "RSSI": .int16(-70)]),
                                                .stringArray([])])
        model.apply(try #require(DBusPropertiesChanged(message)))
        #expect(model.device(at: device)?.servicesResolved == true)
        #expect(model.device(at: device)?.rssi == -70)
        model.apply(.interfacesRemoved(path: device, interfaces: [BlueZ.device]))
        #expect(model.device(at: device) == nil)
        #expect(model.devices.isEmpty)
    }

    @Test func addressesAreValidatedAndMappedToBlueZPaths() {
        #expect(BluetoothAddress.normalised("aa:bb:cc:dd:ee:0f") == "AA:BB:CC:DD:EE:0F")
        #expect(BluetoothAddress.normalised("AA:BB:CC:DD:EE") == nil)
        #expect(BluetoothAddress.normalised("AA-BB-CC-DD-EE-FF") == nil)
        #expect(BluetoothAddress.normalised("GG:BB:CC:DD:EE:FF") == nil)
        #expect(BluetoothAddress.devicePath(adapter: "/org/bluez/hci0", address: "aa:bb:cc:dd:ee:ff") == "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF")
    }
}

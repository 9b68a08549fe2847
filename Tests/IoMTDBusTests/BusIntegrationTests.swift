import IoMTLab
import Glibc
import IoMTDBus
import Synchronization
import Testing

/// Against the reference bus: a private dbus-daemon per test, our connections as its clients.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct BusIntegrationTests {
    @Test func helloGivesAUniqueNameAndTheBusListsIt() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let connection = try await bus.connect()
        defer { connection.close() }
        #expect(connection.uniqueName.hasPrefix(":"))
        let names = try await connection.listNames()
        #expect(names.contains("org.freedesktop.DBus"))
        #expect(names.contains(connection.uniqueName))
        #expect(try await connection.nameOwner(of: "org.freedesktop.DBus") == "org.freedesktop.DBus")
        #expect(try await connection.requestName("org.iomtd.Test") == .primaryOwner)
        #expect(try await connection.nameOwner(of: "org.iomtd.Test") == connection.uniqueName)
    }

    @Test func unixFDNegotiationAndPeerInterface() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let withFDs = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), negotiateUnixFDs: true)
        let plain = try await bus.connect()
        defer { withFDs.close(); plain.close() }
        #expect(withFDs.unixFDsAgreed)
        #expect(!plain.unixFDsAgreed)
        #expect(!withFDs.serverGUID.isEmpty && withFDs.serverGUID == plain.serverGUID)
        // org.freedesktop.DBus.Peer is answered for every path.
        #expect(try await plain.call(destination: withFDs.uniqueName, path: "/any/path", interface: DBusStandardInterface.peer, member: "Ping") == [])
        let machineID = try await plain.call(destination: withFDs.uniqueName, path: "/", interface: DBusStandardInterface.peer, member: "GetMachineId")
        #expect(machineID.count == 1 && machineID[0].stringValue != nil)
    }

    @Test func errorsKeepTheirDBusName() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let connection = try await bus.connect()
        defer { connection.close() }
        await #expect(throws: DBusError.self) {
            do {
                _ = try await connection.call(destination: "org.bluez", path: "/", interface: "org.bluez.Adapter1", member: "StartDiscovery")
            } catch let error as DBusError {
                #expect(error.standardName == .serviceUnknown)
                throw error
            }
        }
        await #expect(throws: DBusError.self) {
            do { _ = try await connection.nameOwner(of: "org.nobody.Here") } catch let error as DBusError {
                #expect(error.standardName == .nameHasNoOwner)
                throw error
            }
        }
    }

    @Test func callThatIsNeverAnsweredTimesOut() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect()
        let client = try await bus.connect()
        defer { server.close(); client.close() }
        try server.export(DBusObject(path: "/slow", interfaces: [
            DBusInterface("org.iomtd.Slow", methods: [
                DBusMethod("Never") { _ in try await Suspension.untilCancelled() },
            ]),
        ]))
        do {
            _ = try await client.call(destination: server.uniqueName, path: "/slow", interface: "org.iomtd.Slow", member: "Never",
                                      timeoutMilliseconds: 300)
            Issue.record("the call returned")
        } catch let error as DBusError {
            #expect(error == .timeout(member: "Never", destination: server.uniqueName, milliseconds: 300))
        }
        // The connection still works after a timeout.
        #expect(try await client.listNames().contains(server.uniqueName))
    }

    @Test func signalsReachMatchingSubscriptionsOnly() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let emitter = try await bus.connect()
        let listener = try await bus.connect()
        defer { emitter.close(); listener.close() }
        let devices = try await listener.subscribe(.signal(sender: emitter.uniqueName, interface: DBusStandardInterface.properties,
                                                           member: "PropertiesChanged", pathNamespace: "/org/bluez", arg0: "org.bluez.Device1"))
        let all = try await listener.subscribe(.signal(sender: emitter.uniqueName, interface: "org.iomtd.Test"))
        // Not matching `devices`: other path, other arg0. Then one that matches.
        try emitter.emitPropertiesChanged(path: "/elsewhere", interface: "org.bluez.Device1", changed: ["RSSI": .int16(-40)])
        try emitter.emitPropertiesChanged(path: "/org/bluez/hci0", interface: "org.bluez.Adapter1", changed: ["Powered": .boolean(true)])
        try emitter.emitPropertiesChanged(path: "/org/bluez/hci0/dev_AA", interface: "org.bluez.Device1", changed: ["RSSI": .int16(-61)],
                                          invalidated: ["Name"])
        try emitter.emitSignal(path: "/x", interface: "org.iomtd.Test", member: "Ping", body: [.uint32(1)])
        let first = try await requireSignal(devices)
        let change = try #require(DBusPropertiesChanged(first))
        #expect(change.path == "/org/bluez/hci0/dev_AA")
        #expect(change.changed == ["RSSI": .int16(-61)])
        #expect(change.invalidated == ["Name"])
        #expect(first.sender == emitter.uniqueName)
        let ping = try await requireSignal(all)
        #expect(ping.member == "Ping" && ping.body == [.uint32(1)])
        // After cancel, the subscription's stream ends.
        devices.cancel()
        var iterator = devices.makeAsyncIterator()
        #expect(try await iterator.next() == nil)
    }

    @Test func messagesOverTheIncomingLimitAreSkipped() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let emitter = try await bus.connect()
        let listener = try await DBusConnection.connect(to: DBusAddress.parse(bus.address), maxIncomingMessageBytes: 64 << 10)
        defer { emitter.close(); listener.close() }
        let subscription = try await listener.subscribe(.signal(sender: emitter.uniqueName, interface: "org.iomtd.Test"))
        try emitter.emitSignal(path: "/a", interface: "org.iomtd.Test", member: "Huge", body: [.byteArray(Array(repeating: 1, count: 100_000))])
        try emitter.emitSignal(path: "/a", interface: "org.iomtd.Test", member: "Small", body: [.byteArray([1, 2, 3])])
        let received = try await requireSignal(subscription)
        #expect(received.member == "Small")
        #expect(listener.skippedMessageCount == 1)
        #expect(listener.isConnected)
    }

    @Test func wellKnownSenderIsFollowedWhenItsOwnerAppearsAndChanges() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let listener = try await bus.connect()
        defer { listener.close() }
        // Subscribed before anyone owns the name (iomtd started before bluetoothd).
        let subscription = try await listener.subscribe(.signal(sender: "org.iomtd.Late", interface: "org.iomtd.Test"))
        let first = try await bus.connect()
        #expect(try await first.requestName("org.iomtd.Late") == .primaryOwner)
        let stranger = try await bus.connect()
        defer { stranger.close() }
        // The stranger's signal matches the interface but not the sender: it must not be delivered.
        try stranger.emitSignal(path: "/s", interface: "org.iomtd.Test", member: "FromStranger")
        _ = try await stranger.listNames() // the bus has routed the stranger's signal before this reply
        try first.emitSignal(path: "/a", interface: "org.iomtd.Test", member: "FromFirstOwner")
        #expect(try await requireSignal(subscription).member == "FromFirstOwner")
        // The owner goes away and another takes the name (bluetoothd restarted).
        first.close()
        let second = try await bus.connect()
        defer { second.close() }
        #expect(await Eventually.holds(within: 2, pollMilliseconds: 20) {
            (try? await second.requestName("org.iomtd.Late")) == .primaryOwner
        })
        // Signals are handled in order, so NameOwnerChanged is applied before this one arrives.
        try second.emitSignal(path: "/b", interface: "org.iomtd.Test", member: "FromSecondOwner")
        let next = try await requireSignal(subscription)
        #expect(next.member == "FromSecondOwner")
        #expect(next.sender == second.uniqueName)
    }

    @Test func exportedObjectsAnswerCallsIntrospectPropertiesAndObjectManager() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect()
        let client = try await bus.connect()
        defer { server.close(); client.close() }
        let written = Mutex<[UInt8]>([])
        try server.export(DBusObject(path: "/org/iomtd/app", interfaces: [], isObjectManager: true))
        try server.export(DBusObject(path: "/org/iomtd/app/agent", interfaces: [
            DBusInterface("org.bluez.Agent1", methods: [
                DBusMethod("RequestPasskey", in: [DBusArgument("device", .objectPath)], out: [DBusArgument("passkey", .uint32)]) { call in
                    guard call.arguments.first?.objectPathValue == "/org/bluez/hci0/dev_AA" else {
                        throw DBusMethodError(name: "org.bluez.Error.Rejected", message: "unknown device")
                    }
                    return [.uint32(123_456)]
                },
            ]),
        ]))
        let objectManagerSignals = try await client.subscribeObjectManager(sender: server.uniqueName)
        try server.export(DBusObject(path: "/org/iomtd/app/service0/char0", interfaces: [
            DBusInterface("org.bluez.GattCharacteristic1", methods: [
                DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", .array(.dictEntry(key: .string, value: .variant)))]) { call in
                    written.withLock { $0 = call.arguments[0].bytesValue ?? [] }
                    return []
                },
            ], properties: [
                DBusProperty("UUID", .string("00002a35-0000-1000-8000-00805f9b34fb")),
                DBusProperty("Value", .byteArray([]), access: .readwrite),
                DBusProperty("Flags", .stringArray(["read", "write", "notify"])),
            ]),
        ]))
        let destination = server.uniqueName
        // Method call, reply and error reply.
        let passkey = try await client.call(destination: destination, path: "/org/iomtd/app/agent", interface: "org.bluez.Agent1",
                                            member: "RequestPasskey", body: [.objectPath("/org/bluez/hci0/dev_AA")])
        #expect(passkey == [.uint32(123_456)])
        await #expect(throws: DBusError.remote(name: "org.bluez.Error.Rejected", message: "unknown device")) {
            _ = try await client.call(destination: destination, path: "/org/iomtd/app/agent", interface: "org.bluez.Agent1",
                                      member: "RequestPasskey", body: [.objectPath("/org/bluez/hci0/dev_BB")])
        }
        await #expect(throws: DBusError.self) {
            do {
                _ = try await client.call(destination: destination, path: "/org/iomtd/app/agent", interface: "org.bluez.Agent1",
                                          member: "RequestPasskey", body: [.string("wrong type")])
            } catch let error as DBusError {
                #expect(error.standardName == .invalidArgs)
                throw error
            }
        }
        await #expect(throws: DBusError.self) {
            do { _ = try await client.call(destination: destination, path: "/nothing", interface: "org.bluez.Agent1", member: "Release") }
            catch let error as DBusError {
                #expect(error.standardName == .unknownObject)
                throw error
            }
        }
        _ = try await client.call(destination: destination, path: "/org/iomtd/app/service0/char0", interface: "org.bluez.GattCharacteristic1",
                                  member: "WriteValue", body: [.byteArray([0x01, 0x02]), .stringVariantDictionary([:])])
        #expect(written.withLock { $0 } == [0x01, 0x02])

        // InterfacesAdded was emitted for the characteristic exported below the manager.
        let added = try await requireSignal(objectManagerSignals)
        guard case .interfacesAdded(let addedPath, let addedInterfaces) = try #require(DBusObjectManagerSignal(added)) else {
            Issue.record("expected InterfacesAdded, got \(added)")
            return
        }
        #expect(addedPath == "/org/iomtd/app/service0/char0")
        #expect(addedInterfaces["org.bluez.GattCharacteristic1"]?["Flags"] == .stringArray(["read", "write", "notify"]))

        // Introspection: interfaces with typed arguments, and child nodes (including intermediate ones).
        let rootXML = try await client.call(destination: destination, path: "/org/iomtd/app", interface: DBusStandardInterface.introspectable,
                                            member: "Introspect")
        let root = try #require(rootXML.first?.stringValue)
        #expect(root.contains("<interface name=\"org.freedesktop.DBus.ObjectManager\">"))
        #expect(root.contains("<node name=\"agent\"/>") && root.contains("<node name=\"service0\"/>"))
        let intermediate = try await client.call(destination: destination, path: "/org/iomtd", interface: DBusStandardInterface.introspectable,
                                                 member: "Introspect")
        #expect(intermediate.first?.stringValue?.contains("<node name=\"app\"/>") == true)
        let agentXML = try await client.call(destination: destination, path: "/org/iomtd/app/agent", interface: DBusStandardInterface.introspectable,
                                             member: "Introspect").first?.stringValue ?? ""
        #expect(agentXML.contains("<method name=\"RequestPasskey\">"))
        #expect(agentXML.contains("<arg name=\"device\" type=\"o\" direction=\"in\"/>"))
        #expect(agentXML.contains("<arg name=\"passkey\" type=\"u\" direction=\"out\"/>"))

        // Properties: Get, GetAll, Set (PropertiesChanged follows), read-only refusal.
        let charPath: DBusObjectPath = "/org/iomtd/app/service0/char0"
        #expect(try await client.getProperty(destination: destination, path: charPath, interface: "org.bluez.GattCharacteristic1", name: "UUID")
                == .string("00002a35-0000-1000-8000-00805f9b34fb"))
        let all = try await client.getAllProperties(destination: destination, path: charPath, interface: "org.bluez.GattCharacteristic1")
        #expect(Set(all.keys) == ["UUID", "Value", "Flags"])
        let changes = try await client.subscribe(.signal(sender: destination, interface: DBusStandardInterface.properties, path: charPath))
        try await client.setProperty(destination: destination, path: charPath, interface: "org.bluez.GattCharacteristic1", name: "Value",
                                     value: .byteArray([9]))
        #expect(server.exportedProperty(path: charPath, interface: "org.bluez.GattCharacteristic1", name: "Value") == .byteArray([9]))
        await #expect(throws: DBusError.self) {
            do {
                try await client.setProperty(destination: destination, path: charPath, interface: "org.bluez.GattCharacteristic1",
                                             name: "UUID", value: .string("x"))
            } catch let error as DBusError {
                #expect(error.standardName == .propertyReadOnly)
                throw error
            }
        }
        // A notification: the server updates Value, the client sees PropertiesChanged.
        try server.updateProperty(path: charPath, interface: "org.bluez.GattCharacteristic1", name: "Value", value: .byteArray([0x16, 0x02]))
        let firstChange = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
        #expect(firstChange.changed["Value"] == .byteArray([9]))
        let notification = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
        #expect(notification.changed["Value"] == .byteArray([0x16, 0x02]))

        // GetManagedObjects on the exported root lists the objects below it, not the root itself.
        let managed = try await client.managedObjects(destination: destination, path: "/org/iomtd/app")
        #expect(Set(managed.keys) == ["/org/iomtd/app/agent", "/org/iomtd/app/service0/char0"])
        #expect(managed["/org/iomtd/app/service0/char0"]?["org.bluez.GattCharacteristic1"]?["Value"] == .byteArray([0x16, 0x02]))
        #expect(managed["/org/iomtd/app/agent"]?["org.bluez.Agent1"] == [:])

        // Unexport: InterfacesRemoved.
        try server.unexport(charPath)
        let removed = try #require(DBusObjectManagerSignal(try await requireSignal(objectManagerSignals)))
        #expect(removed == .interfacesRemoved(path: charPath, interfaces: ["org.bluez.GattCharacteristic1"]))
    }

    @Test func losingTheBusFailsPendingCallsAndEndsSubscriptions() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect()
        let client = try await bus.connect()
        defer { server.close(); client.close() }
        let reached = Mutex(false)
        try server.export(DBusObject(path: "/slow", interfaces: [
            DBusInterface("org.iomtd.Slow", methods: [DBusMethod("Never") { _ in
                reached.withLock { $0 = true }
                try await Suspension.untilCancelled() // never answers: the call is pending when the bus goes
            }]),
        ]))
        let subscription = try await client.subscribe(.signal(interface: "org.iomtd.Test"))
        async let pending: [DBusValue] = client.call(destination: server.uniqueName, path: "/slow", interface: "org.iomtd.Slow",
                                                     member: "Never", timeoutMilliseconds: 60_000)
        // Wait until the call has reached the server's handler (the server has sent nothing back yet), so the bus goes
        // while it is pending there; a call still in flight when the bus goes must fail the same way.
        _ = await Eventually.holds(within: 10, pollMilliseconds: 10) { reached.withLock { $0 } }
        bus.stop()
        do {
            _ = try await pending
            Issue.record("the pending call returned after the bus died")
        } catch let error as DBusError {
            guard case .disconnected = error else { Issue.record("expected disconnected, got \(error)"); return }
        }
        var iterator = subscription.makeAsyncIterator()
        await #expect(throws: DBusError.self) { _ = try await iterator.next() }
        guard case .disconnected = await client.closed() else { Issue.record("closed() did not report a disconnection"); return }
        #expect(!client.isConnected)
        // New calls fail at once.
        await #expect(throws: DBusError.self) { _ = try await client.listNames() }
    }

    @Test func closeIsCleanAndIdempotent() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let connection = try await bus.connect()
        let other = try await bus.connect()
        defer { other.close() }
        connection.close()
        connection.close()
        #expect(await connection.closed() == .disconnected(reason: "closed by this process"))
        await #expect(throws: DBusError.self) { _ = try await connection.listNames() }
        // The bus notices: our unique name disappears.
        let name = connection.uniqueName
        #expect(await Eventually.holds(within: 2, pollMilliseconds: 20) {
            (try? await other.listNames()).map { !$0.contains(name) } ?? false
        })
    }

    @Test func connectingToAMissingSocketFailsClearly() async {
        await #expect(throws: DBusError.self) {
            do { _ = try await DBusConnection.connect(address: "unix:path=/nonexistent/iomtd-bus") } catch let error as DBusError {
                guard case .connectFailed(let address, _) = error else { throw TestFailure("wrong error \(error)") }
                #expect(address == "unix:path=/nonexistent/iomtd-bus")
                throw error
            }
        }
    }
}

import Foundation
import Glibc
import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTLab
import IoMTTransport
import Synchronization
import Testing

/// The SPP client role: the gateway connects to a device such as the Contec CMS50D-BT (profile `sppRole`
/// "gateway-connects"). bluetoothd is python-dbusmock's BlueZ template on a private dbus-daemon; its
/// `Device1.ConnectProfile` fails like a device that is off until the test arms a connection (one end of a socketpair),
/// which it then hands to our client-role profile's `NewConnection` before returning, as bluetoothd does. Waits are on
/// a `ManualSchedulingClock`: the test moves it and checks what the connector did.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct SerialPortConnectorMockTests {
    static let oximeter = "00:1C:05:00:00:50"

    final class Reports: Sendable {
        let states = Mutex<[SerialPortConnectorState]>([])
        var all: [SerialPortConnectorState] { states.withLock { $0 } }
        var last: SerialPortConnectorState? { all.last }
    }

    /// The mock bluetoothd with a Classic device serving ConnectProfile, the gateway's bus connection, its client-role
    /// profile, and a connector for the device on a manual clock (not started).
    struct ClientBench {
        let bench: BlueZMockBench
        let device: DBusObjectPath
        let gateway: DBusConnection
        let profile: SerialPortProfile
        let clock: ManualSchedulingClock
        let reports: Reports
        let connector: SerialPortConnector

        init(seed: UInt64) async throws {
            bench = try await BlueZMockBench()
            do {
                device = try await bench.addClassicDevice(SerialPortConnectorMockTests.oximeter, name: "SpO202", uuids: [BlueZ.serialPortUUID],
                                                          deviceClass: 0x1F00)
                try await bench.serveConnectProfile(device)
                gateway = try await bench.bus.connect(negotiateUnixFDs: true)
            } catch {
                bench.stop()
                throw error
            }
            let profile = SerialPortProfile(path: SerialPortProfile.clientPath)
            let (clock, reports) = (ManualSchedulingClock(), Reports())
            (self.profile, self.clock, self.reports) = (profile, clock, reports)
            connector = SerialPortConnector(bus: gateway, device: device, address: SerialPortConnectorMockTests.oximeter, clock: clock, seed: seed,
                                            isConnected: { profile.openStream(for: SerialPortConnectorMockTests.oximeter) != nil },
                                            report: { state in reports.states.withLock { $0.append(state) } })
            do { try await profile.register(on: gateway, options: SerialPortProfile.Options(role: .client)) } catch {
                stop()
                throw error
            }
        }

        func stop() {
            gateway.close()
            bench.stop()
        }
    }

    func socketPair() throws -> (handed: Int32, device: Int32) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1])
    }

    func waitingDelay(_ state: SerialPortConnectorState?) -> Int64? {
        if case let .waiting(_, ms)? = state { return ms }
        return nil
    }

    @Test func theClientRoleIsRegisteredWithoutListeningAndAuthenticated() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let gateway = try await bench.bus.connect(negotiateUnixFDs: true)
        defer { gateway.close() }
        let profile = SerialPortProfile(path: SerialPortProfile.clientPath)
        try await profile.register(on: gateway, options: SerialPortProfile.Options(role: .client))
        let registered = try #require(try await bench.registeredProfiles().first, "RegisterProfile was not called")
        #expect(registered.path == SerialPortProfile.clientPath)
        #expect(registered.uuid == BlueZ.serialPortUUID)
        #expect(registered.options["Role"] == .string("client"), "the gateway opens the link: no RFCOMM listener, no SDP record")
        #expect(registered.options["RequireAuthentication"] == .boolean(true), "the link the gateway opens is authenticated like an incoming one")
        #expect(registered.options["AutoConnect"] == .boolean(false), "reconnecting is the connector's, with backoff")
        // Devices of both kinds: one registration (bluetoothd refuses a second one of the UUID) without Role, i.e. both.
        let both = SerialPortProfile(path: "/org/iomtd/serial_port_both")
        try await both.register(on: gateway, options: SerialPortProfile.Options(role: .both))
        let bothRegistered = try #require(try await bench.registeredProfiles().last)
        #expect(bothRegistered.path == both.path && bothRegistered.options["Role"] == nil)
        await profile.unregister()
        await both.unregister()
    }

    /// Off at first (a failed attempt, backoff), then connected: the bytes the device sends come out of the handed-over
    /// stream. The device drops the link; the gateway connects again within the watch period, the backoff started afresh
    /// (the first failure after a link waits about 1 s again, not the doubled delay).
    @Test func theGatewayConnectsBacksOffWhileTheDeviceIsOffAndReconnectsAfterADisconnect() async throws {
        let client = try await ClientBench(seed: 7)
        defer { client.stop() }
        let (bench, device, gateway, profile, clock, reports, connector) = (client.bench, client.device, client.gateway, client.profile,
                                                                             client.clock, client.reports, client.connector)
        var events = profile.events.makeAsyncIterator()
        let running = Task { await connector.run() }
        defer { running.cancel() }

        // 1. The device is off: the attempt fails, is reported with BlueZ's reason, and waits the first backoff step.
        await clock.waitForSleepers(1)
        #expect(reports.all.first == .connecting(attempt: 1))
        guard case let .waiting(reason, firstDelay)? = reports.last else { Issue.record("no failure reported: \(reports.all)"); return }
        #expect(reason.contains("br-connection-page-timeout"))
        try #require((800...1_200).contains(firstDelay), "1 s ± 20 %")
        clock.advance(by: .milliseconds(firstDelay - 1))
        #expect(try await bench.calls(device, "ConnectProfile") == 1, "nothing before the backoff has passed")

        // 2. Switched on: the next attempt connects, and the device's bytes arrive on the stream bluetoothd handed over.
        let (handed, deviceEnd) = try socketPair()
        try await bench.armConnection(handed, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(handed)
        clock.advance(by: .milliseconds(1))
        guard case let .connected(address, stream)? = await events.next() else { Issue.record("no connection handed over"); return }
        #expect(address == Self.oximeter)
        await clock.waitForSleepers(1) // watching the open link
        #expect(reports.last == .connected)
        let received = Mutex<[UInt8]>([])
        let closed = Mutex(false)
        stream.start { event in
            if case let .data(bytes, _) = event { received.withLock { $0 += bytes } }
            if case .closed = event { closed.withLock { $0 = true } }
        }
        let frame: [UInt8] = [0x01, 0xE0, 0x85, 0xB3, 0x96, 0xC1, 0xE1, 0xFF, 0xFF]
        #expect(write(deviceEnd, frame, frame.count) == frame.count)
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 20) { received.withLock { $0 } == frame })

        // 3. The link stays up past its first watch (established: the backoff starts again), then the device drops it:
        // the gateway notices within the watch period and connects again at once.
        clock.advance(by: SerialPortConnector.linkWatchPeriod)
        await clock.waitForSleepers(1)
        #expect(try await bench.calls(device, "ConnectProfile") == 2)
        close(deviceEnd)
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 20) { closed.withLock { $0 } })
        clock.advance(by: SerialPortConnector.linkWatchPeriod)
        await clock.waitForSleepers(1)
        #expect(try await bench.calls(device, "ConnectProfile") == 3)
        #expect(reports.all.suffix(2).first == .connecting(attempt: 1))
        // (required: with a grown delay the attempt below would never come and the test would wait instead of failing)
        try #require(waitingDelay(reports.last).map { (800...1_200).contains($0) } == true, "the backoff starts again after a link: \(reports.all)")

        // 4. Back in range: connected again.
        let (again, againDevice) = try socketPair()
        defer { close(againDevice) }
        try await bench.armConnection(again, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(again)
        clock.advance(by: .milliseconds(1_200))
        guard case .connected(Self.oximeter, let second)? = await events.next() else { Issue.record("no second connection"); return }
        #expect(profile.openStream(for: Self.oximeter) === second)
        running.cancel()
        await running.value
        await profile.unregister()
    }

    /// A device that accepts and drops the link at once (before the first watch) is a failure: the backoff keeps growing
    /// instead of the gateway reconnecting every second.
    @Test func aLinkThatEndsAtOnceIsRetriedWithTheGrowingBackoff() async throws {
        let client = try await ClientBench(seed: 11)
        defer { client.stop() }
        let (bench, device, gateway, profile, clock, reports, connector) = (client.bench, client.device, client.gateway, client.profile,
                                                                             client.clock, client.reports, client.connector)
        var events = profile.events.makeAsyncIterator()
        let (handed, deviceEnd) = try socketPair()
        try await bench.armConnection(handed, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(handed)
        let running = Task { await connector.run() }
        defer { running.cancel() }
        guard case let .connected(_, stream)? = await events.next() else { Issue.record("no connection handed over"); return }
        await clock.waitForSleepers(1)
        let closed = Mutex(false)
        stream.start { event in if case .closed = event { closed.withLock { $0 = true } } }
        close(deviceEnd)
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 20) { closed.withLock { $0 } })
        clock.advance(by: SerialPortConnector.linkWatchPeriod)
        await clock.waitForSleepers(1)
        guard case let .waiting(reason, delay)? = reports.last else { Issue.record("no failure reported: \(reports.all)"); return }
        #expect(reason.contains("ended within"))
        #expect(try await bench.calls(device, "ConnectProfile") == 1, "no attempt before the backoff")
        clock.advance(by: .milliseconds(delay))
        await clock.waitForSleepers(1)
        // The next attempt fails (device off): its delay is the second step, 2 s ± 20 %, not 1 s again.
        #expect(try await bench.calls(device, "ConnectProfile") == 2)
        #expect(waitingDelay(reports.last).map { (1_600...2_400).contains($0) } == true, "\(reports.all)")
        running.cancel()
        await running.value
        await profile.unregister()
    }
}

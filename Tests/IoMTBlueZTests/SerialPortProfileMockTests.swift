import Foundation
import Glibc
import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTTransport
import Synchronization
import Testing

/// A Nonin 9560 in spot-check mode pages the gateway: bluetoothd (python-dbusmock's BlueZ template, owner of org.bluez
/// on a private dbus-daemon) hands the RFCOMM socket — here one end of a socketpair, the test holding the device's end —
/// to our Profile1.NewConnection. The bytes of a real format #13 capture written by the "device" must come out of the
/// profile's `nonin-9560-onyx2-format13` reader with the device's time.
///
/// bluetoothd keeps its own copy of the socket (it watches it for the hang-up), and so does the mock (its call log holds
/// the passed descriptor), so the device's end never reads end of stream here: what the tests check is that no
/// descriptor of *this* process refers to the socket once the profile has let it go.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct SerialPortProfileMockTests {
    static let nonin = "00:1C:05:00:00:01"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Collects what a reader driven from one RFCOMM stream produced, and how the stream ended.
    final class ReaderLog: Sendable {
        let measurements = Mutex<[DecodedMeasurement]>([])
        let closes = Mutex<[CloseReason]>([])
        let data = Mutex<[UInt8]>([])
        var closeReasons: [CloseReason] { closes.withLock { $0 } }
        func waitFor(_ what: String, _ condition: () -> Bool) async throws {
            if await Eventually.holds(within: 15, pollMilliseconds: 20, { condition() }) { return }
            throw LabFailure("timed out waiting for \(what); closes: \(closeReasons)")
        }
    }

    func spotCheckCapture() throws -> [UInt8] {
        let text = try String(contentsOf: Self.repository.appendingPathComponent("Firmware-Fixtures/nonin-df13/df13-spot-check-97-72/capture.hex"),
                              encoding: .utf8)
        return try Hex.bytes(from: text)
    }

    func noninReader() throws -> any DeviceReader {
        let profile = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
            .load(file: Self.repository.appendingPathComponent("DeviceProfiles/nonin-9560-onyx2-format13.json").path)
        return try DriverRegistry.makeReader(for: profile)
    }

    /// Drives the profile's reader from the stream as the serial runner drives it from a port.
    func drive(_ stream: RFCOMMStream, with reader: any DeviceReader) -> ReaderLog {
        let log = ReaderLog()
        let reader = Mutex(reader)
        stream.start { event in
            switch event {
            case .opened: _ = reader.withLock { $0.handle(.linkUp, at: Instant(millisecondsSinceEpoch: 0)) }
            case let .data(bytes, at):
                log.data.withLock { $0 += bytes }
                let output = reader.withLock { $0.handle(.bytes(bytes), at: at) }
                log.measurements.withLock { $0 += output.measurements }
            case let .closed(reason):
                _ = reader.withLock { $0.handle(.linkDown, at: Instant(millisecondsSinceEpoch: 0)) }
                log.closes.withLock { $0.append(reason) }
            case .overrun: break
            }
        }
        return log
    }

    /// The mock bluetoothd, the gateway's descriptor-passing bus connection, and the profile registered on it.
    func registeredProfile(adapter: DBusObjectPath? = nil, eventCapacity: Int = SerialPortProfile.defaultEventCapacity,
                           admits: @escaping @Sendable (String) -> Bool = { _ in true }) async throws
        -> (BlueZMockBench, DBusConnection, SerialPortProfile) {
        let bench = try await BlueZMockBench()
        do {
            let gateway = try await bench.bus.connect(negotiateUnixFDs: true)
            let profile = SerialPortProfile(adapter: adapter, eventCapacity: eventCapacity, admits: admits)
            try await profile.register(on: gateway)
            return (bench, gateway, profile)
        } catch {
            bench.stop()
            throw error
        }
    }

    /// (the end handed to bluetoothd, the device's end, the inode of the handed end)
    func rfcommPair() throws -> (Int32, Int32, UInt64) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1], try #require(ProcessDescriptors.inode(of: ends[0])))
    }

    func nextConnection(_ events: inout AsyncStream<SerialPortProfileEvent>.Iterator) async throws -> (String, RFCOMMStream) {
        guard case let .connected(address, stream)? = await events.next() else { throw LabFailure("expected a connected event") }
        return (address, stream)
    }

    @Test func registersAnAuthenticatedSerialPortServerWithBluetoothd() async throws {
        let (bench, gateway, profile) = try await registeredProfile()
        defer { gateway.close(); bench.stop() }
        let registered = try #require(try await bench.registeredProfiles().first, "RegisterProfile was not called")
        #expect(registered.path == profile.path && profile.path == SerialPortProfile.defaultPath)
        #expect(registered.uuid == "00001101-0000-1000-8000-00805f9b34fb")
        #expect(registered.options["Role"] == .string("server"), "the Nonin pages its master: iomtd listens")
        #expect(registered.options["RequireAuthentication"] == .boolean(true))
        // A connection that cannot pass descriptors could never receive a socket: refused at once, with the remedy.
        let plain = try await bench.bus.connect()
        defer { plain.close() }
        await #expect(throws: DBusError.self) { try await SerialPortProfile(path: "/org/iomtd/plain").register(on: plain) }
    }

    @Test func aSpotCheckOverTheHandedOverSocketIsReadWithTheDeviceTimeAndRequestDisconnectionClosesIt() async throws {
        let (bench, gateway, profile) = try await registeredProfile()
        defer { gateway.close(); bench.stop() }
        var events = profile.events.makeAsyncIterator()
        let device = BlueZMockBench.devicePath(Self.nonin)

        let (handed, deviceEnd, inode) = try rfcommPair()
        defer { close(deviceEnd) }
        try await bench.handOverConnection(handed, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(handed) // ours was copied into the message; the profile's copy is the only one left in this process
        let (address, stream) = try await nextConnection(&events)
        #expect(address == Self.nonin)
        let log = drive(stream, with: try noninReader())
        let capture = try spotCheckCapture()
        #expect(write(deviceEnd, capture, capture.count) == capture.count)
        try await log.waitFor("the spot-check") { log.measurements.withLock { $0.count } == 2 }
        let measurements = log.measurements.withLock { $0 }
        #expect(measurements.map(\.value) == [DecimalValue(97), DecimalValue(72)])
        #expect(measurements.allSatisfy { $0.deviceTime == CivilTime(year: 2026, month: 12, day: 4, hour: 10, minute: 15, second: 30) })

        try await bench.requestDisconnection(device: device, owner: gateway.uniqueName, profile: profile.path)
        guard case .disconnectRequested(Self.nonin)? = await events.next() else { Issue.record("expected disconnectRequested"); return }
        try await log.waitFor("the close") { !log.closeReasons.isEmpty }
        #expect(log.closeReasons == [.unplugged("bluetoothd requested disconnection")])
        #expect(ProcessDescriptors.referringToSocket(inode: inode).isEmpty, "no descriptor of the RFCOMM socket is left open")
        #expect(profile.openStream(for: Self.nonin) == nil)
        await profile.unregister()
    }

    @Test func aReconnectWhileTheOldLinkIsHalfOpenReplacesItAndNoDescriptorIsLeaked() async throws {
        let (bench, gateway, profile) = try await registeredProfile()
        defer { gateway.close(); bench.stop() }
        var events = profile.events.makeAsyncIterator()
        let device = BlueZMockBench.devicePath(Self.nonin)

        let (firstHanded, firstDevice, firstInode) = try rfcommPair()
        defer { close(firstDevice) }
        try await bench.handOverConnection(firstHanded, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(firstHanded)
        let (_, first) = try await nextConnection(&events)
        let firstLog = drive(first, with: try noninReader())
        // The oximeter walked out of range and back: it pages again while our old socket has not seen the loss
        // (firstDevice stays open: half-open).
        let (secondHanded, secondDevice, secondInode) = try rfcommPair()
        defer { close(secondDevice) }
        try await bench.handOverConnection(secondHanded, device: device, owner: gateway.uniqueName, profile: profile.path)
        close(secondHanded)
        let (address, second) = try await nextConnection(&events)
        #expect(address == Self.nonin)
        try await firstLog.waitFor("the old link to close") { !firstLog.closeReasons.isEmpty }
        guard case .unplugged(let detail)? = firstLog.closeReasons.first else { Issue.record("\(firstLog.closeReasons)"); return }
        #expect(detail.contains("replaced"))
        #expect(ProcessDescriptors.referringToSocket(inode: firstInode).isEmpty)
        #expect(profile.openStream(for: Self.nonin) === second)

        let secondLog = drive(second, with: try noninReader())
        let capture = try spotCheckCapture()
        #expect(write(secondDevice, capture, capture.count) == capture.count)
        try await secondLog.waitFor("the spot-check on the new link") { secondLog.measurements.withLock { $0.count } == 2 }

        await profile.unregister() // closes the open connection too
        try await secondLog.waitFor("the new link to close") { !secondLog.closeReasons.isEmpty }
        #expect(ProcessDescriptors.referringToSocket(inode: secondInode).isEmpty)
    }

    /// The profile's events are bounded: with nobody reading, a connection past the bound is refused (Rejected, its
    /// socket closed), never queued without limit; the one already queued is still delivered.
    @Test func aConnectionPastTheUnreadEventBoundIsRefusedAndItsSocketClosed() async throws {
        let (bench, gateway, profile) = try await registeredProfile(eventCapacity: 1)
        defer { gateway.close(); bench.stop() }
        let (first, firstDevice, _) = try rfcommPair()
        let (second, secondDevice, secondInode) = try rfcommPair()
        defer { close(firstDevice); close(secondDevice) }
        try await bench.handOverConnection(first, device: BlueZMockBench.devicePath(Self.nonin), owner: gateway.uniqueName, profile: profile.path)
        close(first)
        var refusal: String?
        do {
            try await bench.handOverConnection(second, device: BlueZMockBench.devicePath("00:1C:05:00:00:77"), owner: gateway.uniqueName,
                                               profile: profile.path)
        } catch let error as DBusError { refusal = error.remoteName }
        close(second)
        #expect(refusal == BlueZ.ErrorName.rejected, "the second connection must be refused while the first is unread")
        #expect(ProcessDescriptors.referringToSocket(inode: secondInode).isEmpty, "the refused connection's socket is closed")
        var events = profile.events.makeAsyncIterator()
        let (address, stream) = try await nextConnection(&events)
        #expect(address == Self.nonin)
        stream.stop()
        await profile.unregister()
    }

    @Test func connectionsNotFromBluetoothdOrFromUnknownDevicesAreRefusedAndTheirDescriptorsClosed() async throws {
        let (bench, gateway, profile) = try await registeredProfile(admits: { $0 == Self.nonin })
        defer { gateway.close(); bench.stop() }

        // Another local process (not org.bluez's owner) cannot inject a device.
        let (forged, forgedDevice, forgedInode) = try rfcommPair()
        defer { close(forgedDevice) }
        let intruder = try await bench.bus.connect(negotiateUnixFDs: true)
        defer { intruder.close() }
        var forgedRefusal: String?
        do {
            _ = try await intruder.call(.methodCall(destination: gateway.uniqueName, path: profile.path, interface: BlueZ.profile,
                                                               member: "NewConnection",
                                                               body: [.objectPath(BlueZMockBench.devicePath(Self.nonin)), .unixFD(0),
                                                                      .stringVariantDictionary([:])]), passing: [forged])
        } catch let error as DBusError { forgedRefusal = error.remoteName }
        close(forged)
        #expect(forgedRefusal == BlueZ.ErrorName.rejected)

        // bluetoothd itself, for a device the gateway does not read.
        let (stranger, strangerDevice, strangerInode) = try rfcommPair()
        defer { close(strangerDevice) }
        await #expect(throws: DBusError.self) {
            try await bench.handOverConnection(stranger, device: BlueZMockBench.devicePath("AA:BB:CC:00:00:09"), owner: gateway.uniqueName,
                                               profile: profile.path)
        }
        close(stranger)
        #expect(profile.openStream(for: Self.nonin) == nil)
        #expect(ProcessDescriptors.referringToSocket(inode: forgedInode).isEmpty)
        #expect(ProcessDescriptors.referringToSocket(inode: strangerInode).isEmpty)
        await profile.unregister()
    }

    /// RegisterProfile is not per adapter: on the lab VM's real bluetoothd (scripts/ble-lab, nonin-9560 phase) the
    /// profile's SDP record and RFCOMM listener were on hci0 as well as on the configured hci1. A configured device that
    /// connects through another adapter than `bluetooth.adapter` is refused (and its socket closed); through it, read.
    @Test func aConnectionThroughAnotherAdapterThanTheConfiguredOneIsRefused() async throws {
        let hci1: DBusObjectPath = "/org/bluez/hci1"
        let (bench, gateway, profile) = try await registeredProfile(adapter: hci1, admits: { $0 == Self.nonin })
        defer { gateway.close(); bench.stop() }
        var events = profile.events.makeAsyncIterator()

        let (elsewhere, elsewhereDevice, elsewhereInode) = try rfcommPair()
        defer { close(elsewhereDevice) }
        var refusal: String?
        do {
            try await bench.handOverConnection(elsewhere, device: BlueZMockBench.devicePath(Self.nonin), owner: gateway.uniqueName,
                                               profile: profile.path)
        } catch let error as DBusError { refusal = error.remoteName }
        close(elsewhere)
        #expect(refusal == BlueZ.ErrorName.rejected, "hci0 is not the configured adapter")
        #expect(profile.openStream(for: Self.nonin) == nil)
        #expect(ProcessDescriptors.referringToSocket(inode: elsewhereInode).isEmpty)

        let (handed, deviceEnd, _) = try rfcommPair()
        defer { close(deviceEnd) }
        try await bench.handOverConnection(handed, device: BluetoothAddress.devicePath(adapter: hci1, address: Self.nonin),
                                           owner: gateway.uniqueName, profile: profile.path)
        close(handed)
        let (address, _) = try await nextConnection(&events)
        #expect(address == Self.nonin)
        #expect(profile.openStream(for: Self.nonin) != nil)
        await profile.unregister()
    }
}

import Foundation
import Glibc
import IoMTCore
import IoMTDBus
import IoMTLab
import Testing

/// A Nonin 9560 (data format #13) over Bluetooth Classic SPP to DOM: the real iomtd on a private system bus where
/// python-dbusmock plays bluetoothd. iomtd registers its serial port profile; the mock hands one end of a socketpair to
/// its Profile1.NewConnection as the oximeter's RFCOMM socket, and the test writes real format #13 captures into the
/// other end — one session, a disconnection bluetoothd asks for, then a second session.
@Suite(.serialized, .enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct ClassicSerialPortToDOMTests {
    static let nonin = "00:1C:05:00:00:01"

    func capture(_ name: String) throws -> [UInt8] {
        try Hex.bytes(from: String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/nonin-df13/\(name)/capture.hex"),
                                   encoding: .utf8))
    }

    func socketPair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1])
    }

    @Test func spotChecksOfTwoSessionsReachDOMAndTheDeviceIsListed() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let lab = try GatewayScenario(name: "spp-dom")
        defer { lab.stopAll() }
        lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
        try BluetoothToDOMTests().writeConfiguration(lab, bluetooth: #"{"adapter": "hci0"}"#,
                                                     devices: #"[{"profile": "nonin-9560-onyx2-format13", "address": "\#(Self.nonin)"}]"#)
        try lab.startReceiver()
        #expect(await lab.waitForReceiver())
        try lab.startDaemon()
        let daemonPID = try #require(lab.daemon?.processIdentifier)
        var registered: [BlueZMockBench.RegisteredProfile] = []
        #expect(await LabHarness.waitUntil(seconds: 20) {
            registered = (try? await bench.registeredProfiles()) ?? []
            return !registered.isEmpty
        }, "iomtd registered no serial port profile: \(lab.logs())")
        let profile = try #require(registered.first)
        #expect(profile.uuid == "00001101-0000-1000-8000-00805f9b34fb" && profile.options["Role"] == .string("server"))
        let owner = try #require(try await BluetoothToDOMTests().uniqueName(of: daemonPID, on: bench))
        let device = BlueZMockBench.devicePath(Self.nonin)

        let (_, waiting) = try await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket])
        #expect(waiting.contains("waiting for the device to connect"), "before its first session: \(waiting)")

        let (handed, oximeter) = try socketPair()
        defer { close(oximeter) }
        try await bench.handOverConnection(handed, device: device, owner: owner, profile: profile.path)
        close(handed)
        let spotCheck = try capture("df13-spot-check-97-72")
        #expect(write(oximeter, spotCheck, spotCheck.count) == spotCheck.count)
        #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 2 }, "\(lab.logs())")
        let (_, devices) = try await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket])
        #expect(devices.contains("\"transport\":\"bluetooth-classic\""), "\(devices)")
        #expect(devices.contains(Self.nonin), "\(devices)")
        // The current spot-check ended the session: the device list says so (issue 16, "the session end is recognised").
        #expect(devices.contains(#""deviceInfo":{"session":"ended after 1 spot-check (0 from memory)"}"#), "\(devices)")

        // bluetoothd drops the link; the oximeter pages again later with its next spot-checks.
        try await bench.requestDisconnection(device: device, owner: owner, profile: profile.path)
        #expect(await LabHarness.waitUntil(seconds: 20) {
            let listing = (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]))?.1 ?? ""
            return listing.contains("(last link: unplugged: bluetoothd requested disconnection)")
        }, "between sessions the device waits, it is not failing")
        let (second, secondOximeter) = try socketPair()
        defer { close(secondOximeter) }
        try await bench.handOverConnection(second, device: device, owner: owner, profile: profile.path)
        close(second)
        let nextSession = try capture("df13-garbage-around-packets") // 95 %/61 at 21:02:05.5, then 97/72 again (deduplicated)
        #expect(write(secondOximeter, nextSession, nextSession.count) == nextSession.count)
        #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 4 }, "\(lab.logs())")
    }
}

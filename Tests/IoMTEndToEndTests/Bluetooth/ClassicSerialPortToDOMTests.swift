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
    static let serialPort = "00001101-0000-1000-8000-00805f9b34fb"

    func capture(_ name: String) throws -> [UInt8] {
        try Hex.bytes(from: String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/nonin-df13/\(name)/capture.hex"),
                                   encoding: .utf8))
    }

    func socketPair() throws -> (Int32, Int32) {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0, "socketpair: errno \(errno)")
        return (ends[0], ends[1])
    }

    /// The DOM receiver and iomtd reading one Classic device (`profile` at `address`) through the mock bluetoothd, once
    /// iomtd registered its serial port profile: what it registered, and iomtd's unique bus name (the profile's owner).
    func startGateway(_ lab: GatewayScenario, bench: BlueZMockBench, profile: String, address: String) async throws
        -> (registered: [BlueZMockBench.RegisteredProfile], owner: String) {
        lab.daemonEnvironment = ["DBUS_SYSTEM_BUS_ADDRESS": bench.bus.address]
        try BluetoothToDOMTests().writeConfiguration(lab, bluetooth: #"{"adapter": "hci0"}"#,
                                                     devices: #"[{"profile": "\#(profile)", "address": "\#(address)"}]"#)
        try lab.startReceiver()
        #expect(await lab.waitForReceiver())
        try lab.startDaemon()
        let daemonPID = try #require(lab.daemon?.processIdentifier)
        var registered: [BlueZMockBench.RegisteredProfile] = []
        #expect(await LabHarness.waitUntil(seconds: 20) {
            registered = (try? await bench.registeredProfiles()) ?? []
            return !registered.isEmpty
        }, "iomtd registered no serial port profile: \(lab.logs())")
        return (registered, try #require(try await BluetoothToDOMTests().uniqueName(of: daemonPID, on: bench)))
    }

    @Test func spotChecksOfTwoSessionsReachDOMAndTheDeviceIsListed() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        try await withGatewayScenario("spp-dom") { lab in
            // Paired once through the gateway (`iomtctl pair`): bonded and Trusted.
            let device = try await bench.addClassicDevice(Self.nonin, name: "Nonin_Medical_Inc._601234", uuids: [Self.serialPort], deviceClass: 0)
            try await bench.markPairedThroughGateway(device)
            let (registered, owner) = try await startGateway(lab, bench: bench, profile: "nonin-9560-onyx2-format13", address: Self.nonin)
            let profile = try #require(registered.first)
            #expect(profile.uuid == "00001101-0000-1000-8000-00805f9b34fb" && profile.options["Role"] == .string("server"))

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

    /// A device that was never paired through the gateway (bluetoothd paired it by Just Works on the spot, as
    /// `RequireAuthentication` allows): its link is refused, the device list says why and what to do, nothing reaches
    /// DOM — whatever claims a configured address must not put readings on that device's patient.
    @Test func aConnectionFromADeviceNotPairedThroughTheGatewayIsRefused() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        try await withGatewayScenario("spp-unpaired") { lab in
            let device = try await bench.addClassicDevice(Self.nonin, name: "Nonin_Medical_Inc._601234", uuids: [Self.serialPort], deviceClass: 0)
            let (registered, owner) = try await startGateway(lab, bench: bench, profile: "nonin-9560-onyx2-format13", address: Self.nonin)
            let profile = try #require(registered.first)
            let (handed, impostor) = try socketPair()
            defer { close(impostor) }
            try await bench.handOverConnection(handed, device: device, owner: owner, profile: profile.path)
            close(handed)
            let spotCheck = try capture("df13-spot-check-97-72")
            _ = write(impostor, spotCheck, spotCheck.count)
            #expect(await LabHarness.waitUntil(seconds: 20) {
                let listing = (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]))?.1 ?? ""
                return listing.contains("not paired through the gateway")
            }, "\(lab.logs())")
            #expect(await lab.domObservationCount() ?? 0 == 0, "\(lab.logs())")
            #expect(lab.logs().contains("iomtctl pair \(Self.nonin)"), "the log says what to do: \(lab.logs())")
        }
    }

    static let cms50 = "00:1C:05:00:00:50"

    /// A Contec CMS50D-BT (profile sppRole "gateway-connects"): iomtd registers the client role and connects to the
    /// oximeter (`Device1.ConnectProfile`, which the mock fails like a device that is off until a socketpair end is
    /// armed); `iomtctl devices` says why it is not connected meanwhile; once connected the driver asks for the recording memory,
    /// gets no answer (the oximeter here holds no stored-data protocol), then asks for live data and
    /// the published frame reaches DOM as SpO2 97 / pulse 65; the device drops the link and iomtd connects again.
    @Test func anOximeterTheGatewayConnectsToIsRetriedShownReadAndConnectedAgain() async throws {
        let bench = try await BlueZMockBench()
        defer { bench.stop() }
        let device = try await bench.addClassicDevice(Self.cms50, name: "SpO202", uuids: ["00001101-0000-1000-8000-00805f9b34fb"], deviceClass: 0x1F00)
        try await bench.markPairedThroughGateway(device)
        try await bench.serveConnectProfile(device)
        try await withGatewayScenario("spp-client-dom") { lab in
            let (registered, owner) = try await startGateway(lab, bench: bench, profile: "contec-cms50d-bt", address: Self.cms50)
            let profile = try #require(registered.first)
            #expect(registered.count == 1 && profile.options["Role"] == .string("client"), "the gateway connects: client role only")

            // Off: every attempt fails; the device list says with what, and when the next one comes.
            #expect(await LabHarness.waitUntil(seconds: 20) {
                let listing = (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]))?.1 ?? ""
                return listing.contains("br-connection-page-timeout; next attempt in")
            }, "iomtctl devices shows the failed attempt: \(lab.logs())")

            // Switched on: the next attempt connects; the driver first asks for the recording memory (A2 stop live, then A3
            // segment amount); this oximeter answers nothing, so after the answer deadlines it asks for live data
            // (7D 81 A1 …) and the frames reach DOM.
            let (handed, oximeter) = try socketPair()
            var oximeterOpen = true
            defer { if oximeterOpen { close(oximeter) } }
            try await bench.armConnection(handed, device: device, owner: owner, profile: profile.path)
            close(handed)
            // Read on a thread of its own: up to 30 s on a cooperative-pool thread would stall every other test meanwhile.
            let commands = await LabChildProcess.offThePool { [oximeter] () -> [[UInt8]] in
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 64)
                while !stride(from: 0, to: bytes.count - bytes.count % 9, by: 9).contains(where: { bytes[$0 + 2] == 0xA1 }) {
                    var entry = pollfd(fd: oximeter, events: Int16(POLLIN), revents: 0)
                    guard poll(&entry, 1, 30_000) == 1 else { break }
                    let count = buffer.withUnsafeMutableBytes { read(oximeter, $0.baseAddress, $0.count) }
                    guard count > 0 else { break }
                    bytes += buffer.prefix(count)
                }
                return stride(from: 0, to: bytes.count - bytes.count % 9, by: 9).map { Array(bytes[$0..<$0 + 9]) }
            }
            try #require(commands.last?[2] == 0xA1, "no live-data request from iomtd within 30 s (got \(commands)): \(lab.logs())")
            #expect(commands.map { $0[2] } == [0xA2, 0xA3, 0xA1], "\(commands)")
            let command = try #require(commands.last)
            #expect(command == [0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])
            let published: [UInt8] = [0x01, 0xE0, 0x85, 0xB3, 0x96, 0xC1, 0xE1, 0xFF, 0xFF] // DEVICES.md §2.2: SpO2 97, pulse 65
            let second = Array([[UInt8]](repeating: published, count: 60).joined())
            #expect(write(oximeter, second, second.count) == second.count)
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 2 }, "\(lab.logs())")
            let attempts = try await bench.calls(device, "ConnectProfile")

            // The oximeter drops the link: iomtd connects again by itself (the mock, unarmed, refuses: one more attempt).
            close(oximeter)
            oximeterOpen = false
            #expect(await LabHarness.waitUntil(seconds: 20) { ((try? await bench.calls(device, "ConnectProfile")) ?? 0) > attempts },
                    "no new ConnectProfile after the link dropped: \(lab.logs())")
        }
    }
}

import Foundation
import IoMTControl
import IoMTCore
import IoMTDaemon
import IoMTDrivers
import IoMTLab
import IoMTSystem
import IoMTTestSupport
import Synchronization
import Testing

/// `iomtctl capture`'s daemon half, in this process on a hand-moved clock: a CMS50 simulator on a pseudo-terminal read
/// by the daemon's serial runner, the capture asked for over the daemon's real control socket.
@Suite(.serialized) struct CaptureControlTests {
    static let patient = "44051401359"

    @Test func aCaptureEndsOnTheDaemonsClockWhileTheDeviceIsStillReadAndASecondOneIsRefused() async throws {
        let simulator = CMS50Simulator(generation: .legacy, script: .steady, seed: 11)
        let pty = try simulator.start()
        defer { simulator.stop() }
        let directory = try TemporaryDirectory.persistent("iomt-capture")
        defer { try? FileManager.default.removeItem(at: directory) }
        let socket = directory.appendingPathComponent("control.sock").path
        let configPath = directory.appendingPathComponent("iomtd.json").path
        try """
            {
              "stateDirectory": "\(directory.appendingPathComponent("state").path)",
              "profilesDirectory": "\(RepositoryRoot.url.appendingPathComponent("DeviceProfiles").path)",
              "gateway": {"systemId": "0A1B2C3D4E5F6071"},
              "patient": {"pesel": "\(Self.patient)"},
              "control": {"socketPath": "\(socket)"},
              "hotplug": {"enabled": false},
              "devices": [{"profile": "contec-cms50d-plus", "path": "\(pty)", "serialNumber": "CAPTURE-1"}],
              "dom": {"baseURL": "http://127.0.0.1:\(LoopbackPort.unused())/fhir"}
            }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        // The serial port stamps bytes with the system clock: the daemon's clock starts there, and moves only by hand.
        let clock = ManualSchedulingClock(SystemClock().now())
        let daemon = try GatewayDaemon.load(configPath: configPath, clock: clock)
        let (stopRequests, requestStop) = AsyncStream<Void>.makeStream()
        let running = Task { await daemon.run(until: { for await _ in stopRequests { return } }) }
        defer { requestStop.yield() }
        let control = ControlClient(socketPath: socket, timeoutSeconds: 60)
        @Sendable func readings() -> Int64 { (try? control.call(.devices, expecting: DeviceList.self))?.devices.first?.readings ?? 0 }
        @Sendable func progress() -> CaptureProgressReply? { try? control.call(.captureProgress(device: "CAPTURE-1"), expecting: CaptureProgressReply.self) }
        #expect(await Eventually.holds(within: 30) { readings() > 0 }, "the device is read before the capture")

        let unknown = try control.send(.capture(device: "no-such-device", seconds: 5))
        #expect(unknown.exitCode == .usage && unknown.error?.contains("expected one of") == true)

        let first = Task { await DedicatedThread.run { () -> ControlReply? in try? control.send(.capture(device: "CAPTURE-1", seconds: 30)) } }
        #expect(await Eventually.holds(within: 30) { progress()?.running == true })
        let second = try control.send(.capture(device: "CAPTURE-1", seconds: 5))
        #expect(second.exitCode == .failed && second.error?.contains("a capture is already running") == true, "\(second)")

        // While it records, the device is read as always: readings keep being stored.
        let before = readings()
        #expect(await Eventually.holds(within: 30) { (progress()?.events ?? 0) > 3 && readings() > before })
        #expect(progress()?.running == true, "no real time ends a capture: only the daemon's clock")

        clock.advance(by: .seconds(30))
        let reply = try #require(await first.value)
        let result = try reply.payload(CaptureReply.self)
        #expect(result.endedAt.milliseconds(since: result.startedAt) == 30_000, "ended when 30 s had passed on the daemon's clock")
        #expect(result.profiles == ["contec-cms50d-plus"] && result.transport == "serial")
        #expect(result.events > 3 && result.bytesFromDevice > 0 && !result.limitReached && result.droppedEvents == 0)
        #expect(result.maxEvents == Int64(CaptureTap.Limits.default.maxEvents))
        let transcript = try CaptureTranscript.parse(result.transcript)
        #expect(transcript.entries.contains { if case .bytes = $0.event { true } else { false } })
        #expect(!result.transcript.contains(Self.patient) && !reply.json.serialized().contains(Self.patient))
        #expect(progress()?.running == false)

        // A stop gives the (unreachable) DOM a few polls on this clock to drain the backlog: move it until the daemon ends.
        requestStop.yield()
        let stopped = Mutex(false)
        let stopping = Task { _ = await running.value; stopped.withLock { $0 = true } }
        #expect(await Eventually.holds(within: 60, pollMilliseconds: 10) {
            clock.advance(by: .seconds(5))
            return stopped.withLock { $0 }
        })
        await stopping.value
    }
}

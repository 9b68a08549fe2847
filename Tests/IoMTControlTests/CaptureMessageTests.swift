import IoMTControl
import IoMTCore
import Testing

/// `capture` on the wire: its reply survives it, and a capture longer than the bound is refused naming the field.
@Suite struct CaptureMessageTests {
    @Test func theCaptureReplySurvivesTheWire() throws {
        let start = Instant(iso8601: "2026-12-05T04:30:00Z")!
        let reply = CaptureReply(device: "sn:contec-cms50d-plus:A1", profiles: ["contec-cms50d-plus"], transport: "serial", seconds: 30,
                                 startedAt: start, endedAt: start.adding(milliseconds: 30_000), events: 12, bytesFromDevice: 60, limitReached: true,
                                 droppedEvents: 4, maxEvents: 10_000, maxBytes: 262_144,
                                 transcript: "# iomtd capture transcript 1\n# start 2026-12-05T04:30:00.000Z\n+0000000 link up\n")
        let line = Array(ControlReply.ok(reply).json.serialized().utf8)
        #expect(try ControlReply.decode(line).payload(CaptureReply.self) == reply)
        let progress = CaptureProgressReply(device: "sn:contec-cms50d-plus:A1", running: true, events: 3, bytes: 15, limitReached: false)
        #expect(try ControlReply.decode(Array(ControlReply.ok(progress).json.serialized().utf8)).payload(CaptureProgressReply.self) == progress)
    }

    @Test func aCaptureOutsideTheBoundIsRefusedNamingTheField() {
        for seconds in [0, ControlCommand.maxCaptureSeconds + 1] {
            let line = #"{"command":"capture","arguments":{"device":"cms50","seconds":\#(seconds)}}"#
            do { _ = try ControlCommand.decode(Array(line.utf8)); Issue.record("decoded \(seconds)") } catch {
                #expect(error.description == "capture request: arguments.seconds: expected 1 to 600, found \(seconds)")
            }
        }
    }
}

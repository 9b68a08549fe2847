/// The simulated EMAY SleepO2's live stream (Sources/IoMTDrivers/ContecOximeterBLE/README.md; DEVICES.md §2.1): HELLO
/// `89 09` and START `9B 01 1C` on FF01 start it, STOP `9B 7F 1A` ends it, HEARTBEAT `9A 1A` keeps it going; while it
/// runs, one 8-byte live frame `EB 01 05 PR SpO2 7F 00 ck` is notified about once a second. The stream pauses when no
/// heartbeat came for `heartbeatTimeoutSeconds` (the published client writes one every second). Frames are built here
/// from the published layout, independently of the gateway's decoder. Pure: time is handed in (seconds), the
/// peripheral actor does the I/O.
public struct EmaySleepO2Device: Sendable {
    public enum Event: Sendable, Hashable {
        case answered(String)
        case ignored(String)
    }

    public var heartbeatTimeoutSeconds = 5.0
    public private(set) var streaming = false
    public private(set) var framesSent = 0
    public private(set) var heartbeats = 0
    private var lastHeartbeat: Double?

    public init() {}

    /// One live frame: ck = (sum of bytes 0-6) & 0x7F.
    public static func liveFrame(pulseRate: UInt8, spo2: UInt8) -> [UInt8] {
        let body: [UInt8] = [0xEB, 0x01, 0x05, pulseRate, spo2, 0x7F, 0x00]
        return body + [UInt8(body.reduce(0) { $0 + Int($1) } & 0x7F)]
    }

    /// The values of the n-th frame: a slow, plausible drift (SpO2 95-98 %, pulse 68-75/min) a test can predict.
    public static func values(frame index: Int) -> (pulseRate: UInt8, spo2: UInt8) {
        (UInt8(68 + index % 8), UInt8(95 + index % 4))
    }

    /// The answer to HELLO and START. Their layout is not published: this placeholder (the command's code, 01, the
    /// 7-bit sum) is the simulator's own, so that the reader meets an answer it cannot know and must go on.
    public static func placeholderAnswer(to code: UInt8) -> [UInt8] { [code, 0x01, (code &+ 0x01) & 0x7F] }

    /// A command written to FF01 at `seconds` (any monotonic time): what to notify back (HELLO and START: a placeholder
    /// answer), and what happened.
    public mutating func handle(_ command: [UInt8], at seconds: Double) -> (answer: [UInt8], event: Event) {
        let event = receive(command, at: seconds)
        guard case .answered = event, command == [0x89, 0x09] || command == [0x9B, 0x01, 0x1C] else { return ([], event) }
        return (Self.placeholderAnswer(to: command[0]), event)
    }

    private mutating func receive(_ command: [UInt8], at seconds: Double) -> Event {
        switch command {
        case [0x89, 0x09]: return .answered("HELLO")
        case [0x9B, 0x01, 0x1C]:
            streaming = true
            lastHeartbeat = seconds
            return .answered("START: live stream on")
        case [0x9B, 0x7F, 0x1A]:
            streaming = false
            return .answered("STOP: live stream off")
        case [0x9A, 0x1A]:
            heartbeats += 1
            lastHeartbeat = seconds
            return .answered("HEARTBEAT")
        default:
            return .ignored("unknown command (HELLO 89 09, START 9B 01 1C, STOP 9B 7F 1A, HEARTBEAT 9A 1A)")
        }
    }

    /// The frame due at this second of the stream, or nil when the stream is off or no heartbeat came in time.
    public mutating func nextFrame(at seconds: Double) -> [UInt8]? {
        guard streaming, let last = lastHeartbeat, seconds - last <= heartbeatTimeoutSeconds else { return nil }
        let (pulseRate, spo2) = Self.values(frame: framesSent)
        framesSent += 1
        return Self.liveFrame(pulseRate: pulseRate, spo2: spo2)
    }

    /// The link is gone: the stream stops until the next START.
    public mutating func disconnected() {
        streaming = false
        lastHeartbeat = nil
    }
}

import IoMTCore

/// `capture`: what one device and its driver exchanged, as a transcript (`CaptureTranscript` text in IoMTDrivers), with
/// its counts and whether the memory bound cut it short. It holds readings: patient data, no patient identifier.
public struct CaptureReply: ControlPayload, Hashable {
    public var device: String
    /// The profile ids the device is read with (several for a multi-service Bluetooth device).
    public var profiles: [String]
    public var transport: String
    public var seconds: Int64
    public var startedAt: Instant
    public var endedAt: Instant
    public var events: Int64
    public var bytesFromDevice: Int64
    /// The bound stopped the recording before the end; `droppedEvents` were not recorded.
    public var limitReached: Bool
    public var droppedEvents: Int64
    public var maxEvents: Int64
    public var maxBytes: Int64
    public var transcript: String

    public init(device: String, profiles: [String], transport: String, seconds: Int64, startedAt: Instant, endedAt: Instant, events: Int64,
                bytesFromDevice: Int64, limitReached: Bool, droppedEvents: Int64, maxEvents: Int64, maxBytes: Int64, transcript: String) {
        self.device = device; self.profiles = profiles; self.transport = transport; self.seconds = seconds; self.startedAt = startedAt
        self.endedAt = endedAt; self.events = events; self.bytesFromDevice = bytesFromDevice; self.limitReached = limitReached
        self.droppedEvents = droppedEvents; self.maxEvents = maxEvents; self.maxBytes = maxBytes; self.transcript = transcript
    }

    public var json: JSONValue {
        .object([("device", .string(device)), ("profiles", .array(profiles.map { .string($0) })), ("transport", .string(transport)),
                 ("seconds", .number(seconds)), ("startedAt", .string(startedAt.iso8601)), ("endedAt", .string(endedAt.iso8601)),
                 ("events", .number(events)), ("bytesFromDevice", .number(bytesFromDevice)), ("limitReached", .bool(limitReached)),
                 ("droppedEvents", .number(droppedEvents)), ("maxEvents", .number(maxEvents)), ("maxBytes", .number(maxBytes)),
                 ("transcript", .string(transcript))])
    }

    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "capture answer") { r, v in
            CaptureReply(device: r.string(v, "device") ?? "", profiles: (v["profiles"]?.arrayValue ?? []).compactMap(\.stringValue),
                         transport: r.string(v, "transport") ?? "", seconds: r.integer(v, "seconds"),
                         startedAt: r.instant(v, "startedAt") ?? Instant(millisecondsSinceEpoch: 0),
                         endedAt: r.instant(v, "endedAt") ?? Instant(millisecondsSinceEpoch: 0), events: r.integer(v, "events"),
                         bytesFromDevice: r.integer(v, "bytesFromDevice"), limitReached: r.bool(v, "limitReached"),
                         droppedEvents: r.integer(v, "droppedEvents"), maxEvents: r.integer(v, "maxEvents"), maxBytes: r.integer(v, "maxBytes"),
                         transcript: r.string(v, "transcript") ?? "")
        }
    }
}

/// `capture-progress`: a running capture's counts so far.
public struct CaptureProgressReply: ControlPayload, Hashable {
    public var device: String
    public var running: Bool
    public var events: Int64
    public var bytes: Int64
    public var limitReached: Bool
    public init(device: String, running: Bool, events: Int64, bytes: Int64, limitReached: Bool) {
        self.device = device; self.running = running; self.events = events; self.bytes = bytes; self.limitReached = limitReached
    }
    public var json: JSONValue {
        .object([("device", .string(device)), ("running", .bool(running)), ("events", .number(events)), ("bytes", .number(bytes)),
                 ("limitReached", .bool(limitReached))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "capture-progress answer") { r, v in
            CaptureProgressReply(device: r.string(v, "device") ?? "", running: r.bool(v, "running"), events: r.integer(v, "events"),
                                 bytes: r.integer(v, "bytes"), limitReached: r.bool(v, "limitReached"))
        }
    }
}

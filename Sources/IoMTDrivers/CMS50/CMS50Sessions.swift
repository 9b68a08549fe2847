import IoMTCore

/// Older CMS50D+/CMS50E firmware: the device streams live data on its own; nothing to send.
public struct CMS50LegacySession: ByteStreamDriver {
    private var stream: SyncBitOximetryStream<CMS50LegacyDecoder>
    /// Frames decoded so far (for telling the generations apart, `CMS50GenerationDetectingSession`).
    public var framesDecoded: Int { stream.framesDecoded }

    public init(reportIntervalMs: Int64) { stream = SyncBitOximetryStream(reportIntervalMs: reportIntervalMs) }

    public mutating func start(at time: Instant) -> DeviceOutput { DeviceOutput() }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput { stream.ingest(bytes, at: time) }

    public mutating func tick(at time: Instant) -> DeviceOutput { stream.tick(at: time) }

    public mutating func finish(at time: Instant) -> DeviceOutput { stream.finish(at: time) }
}

/// Firmware v4.6 (CMS50E/EW, late CMS50D+): live data must be requested, and the request repeated
/// before the device's streaming run ends (see README.md, "Keep-alive").
public struct CMS50V46Session: ByteStreamDriver {
    private var stream: SyncBitOximetryStream<CMS50V46Decoder>
    /// Frames decoded so far (for telling the generations apart, `CMS50GenerationDetectingSession`).
    public var framesDecoded: Int { stream.framesDecoded }
    public let keepAliveIntervalMs: Int64
    private var lastCommandAt: Instant?

    public init(reportIntervalMs: Int64, keepAliveIntervalMs: Int64) {
        stream = SyncBitOximetryStream(reportIntervalMs: reportIntervalMs)
        self.keepAliveIntervalMs = keepAliveIntervalMs
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        lastCommandAt = time
        return DeviceOutput(commands: [.bytes(CMS50V46Decoder.startLiveData)])
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput { stream.ingest(bytes, at: time) }

    public mutating func tick(at time: Instant) -> DeviceOutput {
        var output = stream.tick(at: time)
        if let last = lastCommandAt, time.milliseconds(since: last) >= keepAliveIntervalMs {
            output.commands.append(.bytes(CMS50V46Decoder.startLiveData))
            lastCommandAt = time
        }
        return output
    }

    public mutating func finish(at time: Instant) -> DeviceOutput { stream.finish(at: time) }
}

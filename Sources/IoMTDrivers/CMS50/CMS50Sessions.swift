import IoMTCore

/// Older CMS50D+/CMS50E firmware: the device streams live data on its own; nothing to send.
public struct CMS50LegacySession: ByteStreamDriver {
    private var framer = CMS50LegacyFramer()
    private var aggregator: CMS50WindowAggregator
    /// Frames decoded so far (for telling the generations apart, `CMS50GenerationDetectingSession`).
    public private(set) var framesDecoded = 0

    public init(reportIntervalMs: Int64) { aggregator = CMS50WindowAggregator(intervalMs: reportIntervalMs) }

    public mutating func start(at time: Instant) -> DeviceOutput { DeviceOutput() }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        let discardedBefore = framer.discardedBytes
        let samples = framer.push(bytes).compactMap(CMS50LegacyDecoder.decode)
        framesDecoded += samples.count
        if framer.discardedBytes > discardedBefore {
            output.events.append(.resynchronised(discardedBytes: framer.discardedBytes - discardedBefore))
        }
        aggregator.add(samples, at: time)
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput { DeviceOutput(measurements: aggregator.advance(to: time)) }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.flush(at: time))
        if framer.pendingByteCount > 0 { output.events.append(.resynchronised(discardedBytes: framer.pendingByteCount)) }
        return output
    }
}

/// Firmware v4.6 (CMS50E/EW, late CMS50D+): live data must be requested, and the request repeated
/// before the device's streaming run ends (see README.md, "Keep-alive").
public struct CMS50V46Session: ByteStreamDriver {
    private var framer = CMS50V46Framer()
    private var aggregator: CMS50WindowAggregator
    /// Frames decoded so far (for telling the generations apart, `CMS50GenerationDetectingSession`).
    public private(set) var framesDecoded = 0
    public let keepAliveIntervalMs: Int64
    private var lastCommandAt: Instant?

    public init(reportIntervalMs: Int64, keepAliveIntervalMs: Int64) {
        aggregator = CMS50WindowAggregator(intervalMs: reportIntervalMs)
        self.keepAliveIntervalMs = keepAliveIntervalMs
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        lastCommandAt = time
        return DeviceOutput(commands: [.bytes(CMS50V46Decoder.startLiveData)])
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        let discardedBefore = framer.discardedBytes
        let samples = framer.push(bytes).compactMap(CMS50V46Decoder.decode)
        framesDecoded += samples.count
        if framer.discardedBytes > discardedBefore {
            output.events.append(.resynchronised(discardedBytes: framer.discardedBytes - discardedBefore))
        }
        aggregator.add(samples, at: time)
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        if let last = lastCommandAt, time.milliseconds(since: last) >= keepAliveIntervalMs {
            output.commands.append(.bytes(CMS50V46Decoder.startLiveData))
            lastCommandAt = time
        }
        return output
    }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.flush(at: time))
        if framer.pendingByteCount > 0 { output.events.append(.resynchronised(discardedBytes: framer.pendingByteCount)) }
        return output
    }
}

import IoMTCore

/// Nonin data format #2: 25-frame packets, three per second (README.md, "Data format #2").
public struct NoninFormat2Session: ByteStreamDriver {
    private var framer = NoninFormat2Framer()
    private var assembler = NoninPacketAssembler()
    private var aggregator: OximetryWindowAggregator<NoninSample>
    /// Send the format-select command at start (devices that keep their format need not).
    public let selectsFormat: Bool

    public init(reportIntervalMs: Int64, selectsFormat: Bool) {
        aggregator = OximetryWindowAggregator(intervalMs: reportIntervalMs)
        self.selectsFormat = selectsFormat
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        DeviceOutput(commands: selectsFormat ? [.bytes(NoninCommand.selectDataFormat(2))] : [])
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        let discardedBefore = framer.discardedBytes, checksumBefore = framer.checksumFailures
        let incompleteBefore = assembler.incompletePackets
        let samples = assembler.push(framer.push(bytes)).compactMap(NoninFormat2Decoder.decode)
        for _ in checksumBefore..<framer.checksumFailures { output.events.append(.rejectedFrame(reason: "checksum mismatch")) }
        for _ in incompleteBefore..<assembler.incompletePackets { output.events.append(.rejectedFrame(reason: "packet with fewer than 25 frames")) }
        if framer.discardedBytes > discardedBefore {
            output.events.append(.resynchronised(discardedBytes: framer.discardedBytes - discardedBefore))
        }
        aggregator.add(samples, at: time)
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput { DeviceOutput(measurements: aggregator.advance(to: time)) }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.flush(at: time))
        let leftover = framer.pendingByteCount + assembler.pendingFrameCount * NoninFormat2Framer.frameLength
        if leftover > 0 { output.events.append(.resynchronised(discardedBytes: leftover)) }
        return output
    }
}

/// Nonin data format #8: one 4-byte frame per second (README.md, "Data format #8").
public struct NoninFormat8Session: ByteStreamDriver {
    private var stream: SyncBitOximetryStream<NoninFormat8Decoder>
    public let selectsFormat: Bool
    /// Set from `start` while the format-select command waits for its ACK.
    private var awaitingAckSince: Instant?
    /// A device that ignores the command (already in format #8, or no command support) is read anyway after this.
    public static let ackTimeoutMs: Int64 = 2000

    public init(reportIntervalMs: Int64, selectsFormat: Bool) {
        stream = SyncBitOximetryStream(reportIntervalMs: reportIntervalMs)
        self.selectsFormat = selectsFormat
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        guard selectsFormat else { return DeviceOutput() }
        awaitingAckSince = time
        return DeviceOutput(commands: [.bytes(NoninCommand.selectDataFormat(8))])
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var bytes = bytes
        var skipped = 0
        // Until the device acknowledges the format switch, bytes may still be another format's:
        // format #2 bytes can pass the format #8 framing rule, so they are skipped (README.md).
        if let since = awaitingAckSince {
            if let ack = bytes.firstIndex(of: NoninCommand.ack) {
                skipped = ack + 1
                bytes.removeFirst(ack + 1)
                awaitingAckSince = nil
            } else if time.milliseconds(since: since) >= Self.ackTimeoutMs {
                awaitingAckSince = nil
            } else {
                skipped = bytes.count
                bytes = []
            }
        }
        return stream.ingest(bytes, skipped: skipped, at: time)
    }

    public mutating func tick(at time: Instant) -> DeviceOutput { stream.tick(at: time) }

    public mutating func finish(at time: Instant) -> DeviceOutput { stream.finish(at: time) }
}

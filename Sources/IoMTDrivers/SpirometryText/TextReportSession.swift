import IoMTCore

/// A device that prints text reports over serial (spirometers and other report printers): nothing
/// to send, a report's values are emitted when its end marker arrives.
public struct TextReportSession: ByteStreamDriver {
    private var framer: TextLineFramer
    private var parser: TextReportParser

    public init(format: TextReportFormat) {
        framer = TextLineFramer(maxLength: format.maxLineLength)
        parser = TextReportParser(format: format)
    }

    public mutating func start(at time: Instant) -> DeviceOutput { DeviceOutput() }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        var discarded = 0
        for line in framer.push(bytes) {
            let step = parser.consume(line)
            output.measurements += step.measurements
            output.events += step.rejections.map { .rejectedFrame(reason: $0) }
            discarded += step.discardedBytes
        }
        if discarded > 0 { output.events.append(.resynchronised(discardedBytes: discarded)) }
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput { DeviceOutput() }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        let leftover = framer.pendingByteCount + parser.pendingReportByteCount
        output.events += parser.finish().rejections.map { .rejectedFrame(reason: $0) }
        if leftover > 0 { output.events.append(.resynchronised(discardedBytes: leftover)) }
        return output
    }
}

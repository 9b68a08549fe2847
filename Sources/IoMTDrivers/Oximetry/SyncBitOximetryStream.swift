import IoMTCore

/// Decodes one sync-bit frame into one oximeter sample (CMS50 legacy and v4.6, Nonin format #8).
public protocol SyncBitFrameDecoder {
    associatedtype Layout: SyncBitFrameLayout
    associatedtype Sample: OximetryWindowSample
    static func decode(_ frame: [UInt8]) -> Sample?
}

/// What every oximeter session over a sync-bit stream does with the bytes, whatever it sends the device: frame
/// them, decode the frames, report the bytes skipped, and pour the samples into the reporting window.
struct SyncBitOximetryStream<Decoder: SyncBitFrameDecoder>: Sendable {
    private var framer = SyncBitFramer<Decoder.Layout>()
    private var aggregator: OximetryWindowAggregator<Decoder.Sample>
    /// Frames decoded so far.
    private(set) var framesDecoded = 0

    init(reportIntervalMs: Int64) { aggregator = OximetryWindowAggregator(intervalMs: reportIntervalMs) }

    /// `skipped`: bytes the session set aside before framing; they are reported with the framer's own.
    mutating func ingest(_ bytes: [UInt8], skipped: Int = 0, at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        let discardedBefore = framer.discardedBytes
        let samples = framer.push(bytes).compactMap(Decoder.decode)
        framesDecoded += samples.count
        let discarded = framer.discardedBytes - discardedBefore + skipped
        if discarded > 0 { output.events.append(.resynchronised(discardedBytes: discarded)) }
        aggregator.add(samples, at: time)
        return output
    }

    mutating func tick(at time: Instant) -> DeviceOutput { DeviceOutput(measurements: aggregator.advance(to: time)) }

    /// Flushes the window; bytes of a frame the stream ended in are reported as skipped.
    mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.flush(at: time))
        if framer.pendingByteCount > 0 { output.events.append(.resynchronised(discardedBytes: framer.pendingByteCount)) }
        return output
    }
}

extension CMS50LegacyDecoder: SyncBitFrameDecoder { public typealias Layout = CMS50LegacyLayout }
extension CMS50V46Decoder: SyncBitFrameDecoder { public typealias Layout = CMS50V46Layout }
extension NoninFormat8Decoder: SyncBitFrameDecoder { public typealias Layout = NoninFormat8Layout }

import IoMTCore

/// The session both CMS50 profiles run: it decodes with the profile's generation, and switches when the bytes
/// show the other one. The generations share USB ids (hotplug cannot tell a CMS50E from a CMS50D+), but their
/// streams cannot be mistaken for each other (README, "Telling the generations apart"): a v4.6 packet has eight
/// bytes with bit 7 set after its type byte, a legacy frame four bytes with bit 7 clear after its sync byte, so
/// neither stream ever holds a run of the other's frames. The other generation's framer reads along; after
/// `framesToSwitch` of its frames in a row, with none of ours, the session switches and says so
/// (`deviceInfo` "generation").
///
/// A v4.6 device sends nothing until asked, so while reading as legacy the session sends the v4.6 start
/// command at start and every `probeIntervalMs` until legacy frames arrive; a legacy device takes any byte as
/// "stream on" [3] and is not disturbed.
public struct CMS50GenerationDetectingSession: ByteStreamDriver {
    public enum Generation: String, Sendable { case legacy, v46 }

    static let framesToSwitch = 10
    private let reportIntervalMs: Int64
    private let keepAliveIntervalMs: Int64
    private var active: any CMS50GenerationSession
    public private(set) var generation: Generation
    private var legacyAlongside = CMS50LegacyFramer()
    private var v46Alongside = CMS50V46Framer()
    private var othersInARow = 0
    private var lastProbeAt: Instant?
    private var framesAtLastTick = 0

    public init(starting generation: Generation, reportIntervalMs: Int64, keepAliveIntervalMs: Int64) {
        self.reportIntervalMs = reportIntervalMs; self.keepAliveIntervalMs = keepAliveIntervalMs
        self.generation = generation
        active = Self.session(generation, reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
    }

    private static func session(_ generation: Generation, reportIntervalMs: Int64, keepAliveIntervalMs: Int64) -> any CMS50GenerationSession {
        switch generation {
        case .legacy: CMS50LegacySession(reportIntervalMs: reportIntervalMs)
        case .v46: CMS50V46Session(reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
        }
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        var output = active.start(at: time)
        if generation == .legacy {
            output.commands.append(.bytes(CMS50V46Decoder.startLiveData))
            lastProbeAt = time
        }
        return output
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        let before = active.framesDecoded
        var output = active.ingest(bytes, at: time)
        if active.framesDecoded > before {
            othersInARow = 0
            return output
        }
        othersInARow = othersAlongside(bytes)
        if othersInARow >= Self.framesToSwitch { output.append(switchGeneration(at: time)) }
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput {
        var output = active.tick(at: time)
        // Keep asking while no legacy frame came: a v4.6 device switched on after the port opened must hear it.
        if generation == .legacy, active.framesDecoded == framesAtLastTick, let last = lastProbeAt,
           time.milliseconds(since: last) >= keepAliveIntervalMs {
            output.commands.append(.bytes(CMS50V46Decoder.startLiveData))
            lastProbeAt = time
        }
        framesAtLastTick = active.framesDecoded
        return output
    }

    public mutating func finish(at time: Instant) -> DeviceOutput { active.finish(at: time) }

    /// The other generation's frames in a row so far, counting this chunk; bytes it had to skip break the run.
    private mutating func othersAlongside(_ bytes: [UInt8]) -> Int {
        let skipped: Bool, frames: Int
        switch generation {
        case .legacy:
            let skippedBefore = v46Alongside.discardedBytes
            frames = v46Alongside.push(bytes).compactMap(CMS50V46Decoder.decode).count
            skipped = v46Alongside.discardedBytes > skippedBefore
        case .v46:
            let skippedBefore = legacyAlongside.discardedBytes
            frames = legacyAlongside.push(bytes).compactMap(CMS50LegacyDecoder.decode).count
            skipped = legacyAlongside.discardedBytes > skippedBefore
        }
        return skipped ? frames : othersInARow + frames
    }

    /// The next frames are decoded as the other generation; what this one held in its window is flushed first.
    private mutating func switchGeneration(at time: Instant) -> DeviceOutput {
        var output = active.finish(at: time)
        let from = generation
        generation = from == .legacy ? .v46 : .legacy
        active = Self.session(generation, reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
        output.append(active.start(at: time))
        legacyAlongside = CMS50LegacyFramer(); v46Alongside = CMS50V46Framer(); othersInARow = 0
        let profile = generation == .v46 ? "contec-cms50e" : "contec-cms50d-plus"
        output.events.append(.deviceInfo(key: "generation",
                                         value: "\(generation.rawValue) frames on a port read as \(from.rawValue): decoding them as \(generation.rawValue) (profile \(profile) fits this device)"))
        return output
    }
}

/// A CMS50 session of one generation that counts the frames it decoded.
protocol CMS50GenerationSession: ByteStreamDriver {
    var framesDecoded: Int { get }
}

extension CMS50LegacySession: CMS50GenerationSession {}
extension CMS50V46Session: CMS50GenerationSession {}

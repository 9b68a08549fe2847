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
public struct CMS50GenerationDetectingSession: DriverSession {
    public enum Generation: String, Sendable { case legacy, v46 }

    private enum Active {
        case legacy(CMS50LegacySession)
        case v46(CMS50V46Session)
    }

    static let framesToSwitch = 10
    private let reportIntervalMs: Int64
    private let keepAliveIntervalMs: Int64
    private var active: Active
    private var legacyAlongside = CMS50LegacyFramer()
    private var v46Alongside = CMS50V46Framer()
    private var othersInARow = 0
    private var lastProbeAt: Instant?
    private var framesAtLastProbe = 0

    public init(starting generation: Generation, reportIntervalMs: Int64, keepAliveIntervalMs: Int64) {
        self.reportIntervalMs = reportIntervalMs; self.keepAliveIntervalMs = keepAliveIntervalMs
        switch generation {
        case .legacy: active = .legacy(CMS50LegacySession(reportIntervalMs: reportIntervalMs))
        case .v46: active = .v46(CMS50V46Session(reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs))
        }
    }

    public var generation: Generation {
        if case .legacy = active { return .legacy }
        return .v46
    }

    public mutating func start(at time: Instant) -> DriverOutput {
        switch active {
        case var .legacy(session):
            var output = session.start(at: time)
            active = .legacy(session)
            output.commands.append(CMS50V46Decoder.startLiveData)
            lastProbeAt = time
            return output
        case var .v46(session):
            let output = session.start(at: time)
            active = .v46(session)
            return output
        }
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DriverOutput {
        var output: DriverOutput
        let ours: Int
        switch active {
        case var .legacy(session):
            let before = session.framesDecoded
            output = session.ingest(bytes, at: time)
            ours = session.framesDecoded - before
            active = .legacy(session)
        case var .v46(session):
            let before = session.framesDecoded
            output = session.ingest(bytes, at: time)
            ours = session.framesDecoded - before
            active = .v46(session)
        }
        if ours > 0 {
            othersInARow = 0
            return output
        }
        othersInARow = othersAlongside(bytes)
        if othersInARow >= Self.framesToSwitch { output.append(switchGeneration(at: time)) }
        return output
    }

    public mutating func tick(at time: Instant) -> DriverOutput {
        switch active {
        case var .legacy(session):
            var output = session.tick(at: time)
            // Keep asking while no legacy frame came: a v4.6 device switched on after the port opened must hear it.
            if session.framesDecoded == framesAtLastProbe, let last = lastProbeAt, time.milliseconds(since: last) >= keepAliveIntervalMs {
                output.commands.append(CMS50V46Decoder.startLiveData)
                lastProbeAt = time
            }
            framesAtLastProbe = session.framesDecoded
            active = .legacy(session)
            return output
        case var .v46(session):
            let output = session.tick(at: time)
            active = .v46(session)
            return output
        }
    }

    public mutating func finish(at time: Instant) -> DriverOutput {
        switch active {
        case var .legacy(session):
            let output = session.finish(at: time)
            active = .legacy(session)
            return output
        case var .v46(session):
            let output = session.finish(at: time)
            active = .v46(session)
            return output
        }
    }

    /// The other generation's frames in a row so far, counting this chunk; bytes it had to skip break the run.
    private mutating func othersAlongside(_ bytes: [UInt8]) -> Int {
        switch active {
        case .legacy:
            let skippedBefore = v46Alongside.discardedBytes
            let frames = v46Alongside.push(bytes).compactMap(CMS50V46Decoder.decode).count
            return v46Alongside.discardedBytes > skippedBefore ? frames : othersInARow + frames
        case .v46:
            let skippedBefore = legacyAlongside.discardedBytes
            let frames = legacyAlongside.push(bytes).compactMap(CMS50LegacyDecoder.decode).count
            return legacyAlongside.discardedBytes > skippedBefore ? frames : othersInARow + frames
        }
    }

    /// The next frames are decoded as the other generation; what this one held in its window is flushed first.
    private mutating func switchGeneration(at time: Instant) -> DriverOutput {
        var output = finish(at: time)
        let from = generation
        switch active {
        case .legacy:
            var session = CMS50V46Session(reportIntervalMs: reportIntervalMs, keepAliveIntervalMs: keepAliveIntervalMs)
            output.append(session.start(at: time))
            active = .v46(session)
        case .v46:
            active = .legacy(CMS50LegacySession(reportIntervalMs: reportIntervalMs))
        }
        legacyAlongside = CMS50LegacyFramer(); v46Alongside = CMS50V46Framer(); othersInARow = 0
        let profile = generation == .v46 ? "contec-cms50e" : "contec-cms50d-plus"
        output.events.append(.deviceInfo(key: "generation",
                                         value: "\(generation.rawValue) frames on a port read as \(from.rawValue): decoding them as \(generation.rawValue) (profile \(profile) fits this device)"))
        return output
    }
}

/// What a simulated pulse oximeter "measures", as a deterministic sequence of segments.
/// The script repeats from the start when it runs out, so a simulator can run indefinitely.
public struct OximetryScript: Sendable, Hashable {
    public struct Segment: Sendable, Hashable {
        public var durationSeconds: Double
        /// 0-100 %; ignored (sent as "invalid") while the finger is out.
        public var spo2: Int
        /// Beats per minute, 0-254.
        public var pulseRate: Int
        /// The conditions the simulated device reports during the segment.
        public var fingerOut, searching, probeError: Bool

        public init(seconds: Double, spo2: Int, pulseRate: Int, fingerOut: Bool = false, searching: Bool = false, probeError: Bool = false) {
            precondition(seconds > 0, "segment duration must be positive")
            self.durationSeconds = seconds; self.spo2 = spo2; self.pulseRate = pulseRate
            self.fingerOut = fingerOut; self.searching = searching; self.probeError = probeError
        }
    }

    public var segments: [Segment]

    public init(segments: [Segment]) {
        precondition(!segments.isEmpty, "a script needs at least one segment")
        self.segments = segments
    }

    public var totalSeconds: Double { segments.reduce(0) { $0 + $1.durationSeconds } }

    /// The segment in force `seconds` after the start (wrapping), with the time spent in it so far
    /// and the segment before it (for the "SpO2 dropping" indication).
    public func position(at seconds: Double) -> (segment: Segment, elapsed: Double, previous: Segment) {
        var t = seconds.truncatingRemainder(dividingBy: totalSeconds)
        if t < 0 { t += totalSeconds }
        for (index, segment) in segments.enumerated() {
            if t < segment.durationSeconds {
                let previous = segments[(index + segments.count - 1) % segments.count]
                return (segment, t, previous)
            }
            t -= segment.durationSeconds
        }
        return (segments[segments.count - 1], segments[segments.count - 1].durationSeconds, segments[max(0, segments.count - 2)])
    }

    /// 97 % / 72 bpm, a 20 s dip to 85 %, recovery, then 10 s with the finger out (and searching after reinsertion).
    public static let demo = OximetryScript(segments: [
        Segment(seconds: 30, spo2: 97, pulseRate: 72),
        Segment(seconds: 20, spo2: 85, pulseRate: 88),
        Segment(seconds: 20, spo2: 97, pulseRate: 74),
        Segment(seconds: 10, spo2: 0, pulseRate: 0, fingerOut: true),
        Segment(seconds: 3, spo2: 0, pulseRate: 0, searching: true),
    ])

    public static let steady = OximetryScript(segments: [Segment(seconds: 60, spo2: 97, pulseRate: 72)])

    public static let dip = OximetryScript(segments: [
        Segment(seconds: 10, spo2: 97, pulseRate: 72),
        Segment(seconds: 20, spo2: 85, pulseRate: 90),
        Segment(seconds: 10, spo2: 96, pulseRate: 75),
    ])

    public static func named(_ name: String) -> OximetryScript? {
        switch name {
        case "demo": return .demo
        case "steady": return .steady
        case "dip": return .dip
        default: return nil
        }
    }
}

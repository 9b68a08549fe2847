import IoMTCore

/// A simulated spirometer that prints a text report over serial after each test session, in the
/// layout of `DeviceProfiles/generic-spirometer-text-report.json` (see Simulators/README.md,
/// "Spirometer"). Reports repeat from `sessions`, one every `intervalSeconds` (the first at once).
public final class SpirometerSimulator: PacedPseudoTerminalDevice, @unchecked Sendable {
    /// One test session's best effort, volumes in centilitres and flows in cL/s (exact decimals on print).
    public struct Session: Sendable, Hashable {
        public var fvc: Int
        public var fev1: Int
        public var pef: Int
        /// nil: printed as `---` (not measured).
        public var fef2575: Int?
        /// ATS/ERS session grade A-F.
        public var grade: String

        public init(fvc: Int, fev1: Int, pef: Int, fef2575: Int?, grade: String) {
            precondition(fvc > 0 && fev1 > 0 && fev1 <= fvc)
            self.fvc = fvc; self.fev1 = fev1; self.pef = pef; self.fef2575 = fef2575; self.grade = grade
        }

        /// FEV1/FVC in percent, one decimal, rounded half up (the device's own arithmetic).
        public var ratioTenths: Int { (fev1 * 1000 * 2 + fvc) / (fvc * 2) }
    }

    public static let demoSessions: [Session] = [
        Session(fvc: 412, fev1: 338, pef: 845, fef2575: 361, grade: "A"),
        Session(fvc: 398, fev1: 301, pef: 790, fef2575: 288, grade: "C"),
        Session(fvc: 405, fev1: 329, pef: 812, fef2575: nil, grade: "B"),
    ]

    public let sessions: [Session]
    public let intervalSeconds: Double
    /// Probability (0…1) that a report is cut off halfway (the cable pulled, the printer buffer lost).
    public let tearRate: Double
    private var random: SeededRandom
    private var reportsPrinted = 0

    public init(sessions: [Session] = SpirometerSimulator.demoSessions, intervalSeconds: Double = 10, tearRate: Double = 0, seed: UInt64 = 1) {
        precondition(!sessions.isEmpty && intervalSeconds > 0)
        self.sessions = sessions; self.intervalSeconds = intervalSeconds; self.tearRate = tearRate
        self.random = SeededRandom(seed: seed)
        super.init(label: "iomt.sim.spirometer", tickIntervalNanoseconds: 50_000_000)
    }

    /// Reports handed to the pty so far (complete or torn).
    public var reportCount: Int { queue.sync { reportsPrinted } }

    override public func produce(elapsedSeconds: Double, hostBytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        while Double(reportsPrinted) * intervalSeconds <= elapsedSeconds {
            var report = Self.report(sessions[reportsPrinted % sessions.count], number: reportsPrinted + 1)
            if tearRate > 0, Double.random(in: 0..<1, using: &random) < tearRate {
                report = Array(report.prefix(report.count / 2))
            }
            output += report
            reportsPrinted += 1
        }
        return output
    }

    /// The printed report, CR LF line ends.
    public static func report(_ session: Session, number: Int) -> [UInt8] {
        func decimal(_ hundredths: Int) -> String {
            let fraction = hundredths % 100
            return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
        }
        func line(_ label: String, _ value: String) -> String {
            label + String(repeating: " ", count: max(0, 9 - label.count)) + ": " + value
        }
        let lines = [
            "SPIROMETRY REPORT",
            "Device: IOMT-LAB SPIRO  Test \(number)",
            "Best of 3 efforts",
            line("FVC", decimal(session.fvc) + " L"),
            line("FEV1", decimal(session.fev1) + " L"),
            line("FEV1/FVC", "\(session.ratioTenths / 10).\(session.ratioTenths % 10) %"),
            line("PEF", decimal(session.pef) + " L/s"),
            line("FEF25-75", session.fef2575.map { decimal($0) + " L/s" } ?? "---"),
            line("QUALITY", session.grade),
            "END OF REPORT",
        ]
        return Array(lines.map { $0 + "\r\n" }.joined().utf8)
    }
}

import IoMTCore

/// What a profile says about how well the device is supported, for the support matrix (docs/devices.md,
/// `iomtctl profiles matrix`): what is read, pairing, clock handling, history download, and the evidence behind it.
public struct DeviceSupport: Sendable, Hashable {
    /// How much the driver's facts were checked against.
    public enum Evidence: String, Sendable, Hashable, CaseIterable {
        /// Decodes a real capture from the device (cited in its fixture folder).
        case realCapture = "real-capture"
        /// Follows a published specification (Bluetooth SIG, a vendor's OEM document).
        case publishedSpec = "published-spec"
        /// Follows reverse-engineered facts from public projects (cited in the driver README).
        case reverseEngineered = "reverse-engineered"
        /// Only exercised against our own simulator.
        case simulatorOnly = "simulator-only"
    }

    /// The matrix's free-text columns.
    public var reads, pairing, clock, history: String
    public var evidence: Evidence

    public init(reads: String, pairing: String, clock: String, history: String, evidence: Evidence) {
        self.reads = reads; self.pairing = pairing; self.clock = clock; self.history = history; self.evidence = evidence
    }

    static let fields = ["reads", "pairing", "clock", "history", "evidence"]
}

/// The device support matrix as Markdown (docs/devices.md is this text; a test keeps them equal).
public enum SupportMatrix {
    public static func render(_ profiles: [DeviceProfile]) -> String {
        var lines = [
            "# Supported devices",
            "",
            "Generated from `DeviceProfiles/*.json` (each profile's `support` block) by `iomtctl profiles matrix > docs/devices.md`;",
            "a test keeps this file in step with the profiles. Evidence: **real-capture** (decodes a cited capture from the",
            "device), **published-spec** (a published specification), **reverse-engineered** (public reverse-engineered facts,",
            "cited in the driver README), **simulator-only** (only our simulator).",
            "",
            "| profile | manufacturer / model | transport | reads | pairing | clock | history | evidence |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for profile in profiles.sorted(by: { $0.id < $1.id }) {
            let support = profile.support
            let cells = [
                "`\(profile.id)`", "\(profile.manufacturer): \(profile.model)", transport(profile),
                support?.reads ?? "—", support?.pairing ?? "—", support?.clock ?? "—", support?.history ?? "—",
                support?.evidence.rawValue ?? "not stated",
            ]
            lines.append("| " + cells.map { $0.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func transport(_ profile: DeviceProfile) -> String {
        switch profile.transport {
        case .ble: "BLE (" + profile.match.bleServices.map(\.shortText).map { $0.lowercased() }.joined(separator: ", ") + ")"
        case .serial: profile.match.usb.isEmpty ? "serial / Bluetooth Classic SPP" : "USB serial"
        }
    }
}

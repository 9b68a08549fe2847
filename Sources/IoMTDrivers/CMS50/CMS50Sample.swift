import IoMTCore

/// One decoded live frame (60 per second) of either firmware generation.
public struct CMS50Sample: Sendable, Hashable {
    /// SpO2 in percent; nil when the device sent its "no value" marker (0 or 127).
    public var spo2: Int?
    /// Pulse rate per minute; nil when the device sent its "no value" marker (0 or 255).
    public var pulseRate: Int?
    /// Signal strength, 0-15 (the device uses 0-8).
    public var signalStrength: Int
    /// Device conditions that make the frame's values unusable: sensorOff, searching, probeError.
    public var conditions: MeasurementStatus
    /// The frame's bytes as received.
    public var frame: [UInt8]

    /// 0 means "nothing measured"; 127 is the 7-bit all-ones marker sent while searching or finger out.
    /// Values 101-126 cannot be a saturation either, so they are not reported.
    static func validSpO2(_ raw: Int) -> Int? { (1...100).contains(raw) ? raw : nil }
    /// 0 means "nothing measured"; 255 (0x7F with the carried bit 7) is the "no value" marker.
    static func validPulseRate(_ raw: Int) -> Int? { (1...254).contains(raw) ? raw : nil }
}

extension CMS50Sample: OximetryWindowSample {
    public var signalLevel: Int? { signalStrength }
}

/// The CMS50 window rule is the shared oximetry one (Oximetry/OximetryWindowAggregator.swift).
public typealias CMS50WindowAggregator = OximetryWindowAggregator<CMS50Sample>

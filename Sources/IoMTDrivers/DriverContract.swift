import IoMTCore
import IoMTProfiles

/// The driver contract. A driver is a pure decoder with a little state (a framer's buffer, a
/// reporting window): it turns bytes into decoded measurements and says which commands to send.
/// Transport, retries, timing and storage belong to the daemon (Tidepool's driver contract, reduced).
///
/// The daemon calls, in order: `start` once per connection (write the returned commands),
/// `ingest` for every chunk read, `tick` periodically (keep-alives, window flushes), and `finish`
/// when the stream ends (flush what a window holds).
public protocol DriverSession: Sendable {
    /// Commands to write right after the port opens (e.g. "start live data").
    mutating func start(at time: Instant) -> DriverOutput
    /// Bytes as read from the transport, in any chunking (torn frames are reassembled).
    mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DriverOutput
    /// Called about once a second: keep-alives, timeouts, reporting-window boundaries.
    mutating func tick(at time: Instant) -> DriverOutput
    /// End of stream: emit what the current window holds.
    mutating func finish(at time: Instant) -> DriverOutput
}

/// What one driver step produced.
public struct DriverOutput: Sendable, Hashable {
    public var measurements: [DecodedMeasurement]
    /// Bytes to write to the device, in order.
    public var commands: [[UInt8]]
    public var events: [DriverEvent]

    public init(measurements: [DecodedMeasurement] = [], commands: [[UInt8]] = [], events: [DriverEvent] = []) {
        self.measurements = measurements; self.commands = commands; self.events = events
    }

    public mutating func append(_ other: DriverOutput) {
        measurements += other.measurements; commands += other.commands; events += other.events
    }
}

/// Diagnostics a driver reports (never patient data).
public enum DriverEvent: Sendable, Hashable {
    /// Bytes skipped while hunting for a frame boundary (garbage, torn frames, wrong baud).
    case resynchronised(discardedBytes: Int)
    /// A frame that looked right but failed a check (checksum, range).
    case rejectedFrame(reason: String)
    /// Device facts learned from the stream (firmware generation, model string).
    case deviceInfo(key: String, value: String)
}

/// Why a driver could not be created for a profile.
public struct DriverConfigurationError: Error, CustomStringConvertible, Equatable {
    public let profileId: String
    public let field: String
    public let expected: String
    /// What the profile holds instead (added: errors say what was found, not only what was expected).
    public let found: String?
    public init(profileId: String, field: String, expected: String) {
        self.init(profileId: profileId, field: field, expected: expected, found: nil)
    }
    public init(profileId: String, field: String, expected: String, found: String?) {
        self.profileId = profileId; self.field = field; self.expected = expected; self.found = found
    }
    public var description: String {
        "profile \(profileId): \(field): expected \(expected)" + (found.map { ", found \($0)" } ?? "")
    }
}

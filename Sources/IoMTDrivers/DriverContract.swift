import IoMTCore
import IoMTProfiles

/// The one device contract. Every transport (serial port, Bluetooth LE, Bluetooth Classic), capture replay,
/// `iomtctl decode` and the benchmarks drive a driver the same way: inputs in, one `DeviceOutput` per input out.
/// A reader is pure with a little state (a framer's buffer, a reporting window, a record mark): no I/O, no clock
/// but the instants it is handed. Transports only move bytes and values; retries, timing and storage belong to
/// the daemon (Tidepool's driver contract, reduced).
public protocol DeviceReader: Sendable {
    /// What the reader needs from its transport (a byte stream, or a GATT service and its characteristics).
    var needs: DeviceNeeds { get }
    /// One input at one instant. Order: `.linkUp` once per link (write the returned commands: a start request, an
    /// RACP request), `.bytes`/`.value` as they arrive, `.tick` about once a second, `.linkDown` when the link ends
    /// (a window is flushed).
    mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput
    /// Before `.linkUp`: the record mark the store committed (not the one this reader last decoded: a record
    /// decoded but not stored must be asked for again). Readers that keep no records ignore it.
    mutating func resume(from mark: DeviceRecordMark?)
    /// The parts of the device that measure for different people (a two-user cuff's `user1`, `user2`): each is bound
    /// to its own patient and keeps its own record mark (`<device key>/<part>`); its readings name it
    /// (`DecodedMeasurement.subDevice`). Empty (the default): the device is one.
    var subDevices: [String] { get }
    /// The part a home hub's one patient measures as; the other parts' readings are held (nil: none is).
    var homePatientSubDevice: String? { get }
    /// Before `.linkUp`: the record marks the store committed for the parts, by part name (a part without one is absent).
    mutating func resume(subDeviceMarks marks: [String: DeviceRecordMark])
}

extension DeviceReader {
    public mutating func resume(from mark: DeviceRecordMark?) {}
    public var subDevices: [String] { [] }
    public var homePatientSubDevice: String? { nil }
    public mutating func resume(subDeviceMarks marks: [String: DeviceRecordMark]) {}
}

/// What a transport hands a reader.
public enum DeviceInput: Sendable, Hashable {
    /// The link is up: a port opened, or a GATT link's reads and subscriptions are done.
    case linkUp
    /// Bytes as read from a byte stream (serial, RFCOMM), in any chunking (torn frames are reassembled).
    case bytes([UInt8])
    /// One characteristic value: read once, notified or indicated (an assigned number or a 128-bit vendor UUID).
    case value(characteristic: BluetoothUUID, bytes: [UInt8])
    /// About once a second: keep-alives, timeouts, reporting-window boundaries.
    case tick
    /// The link ended (closed, unplugged, disconnected): emit what a window holds.
    case linkDown
}

/// What a transport is asked to send, in order.
public enum DeviceCommand: Sendable, Hashable {
    /// Bytes for a byte stream.
    case bytes([UInt8])
    /// A GATT write with response (RACP requests, Current Time).
    case write(GATTWrite)
}

/// What a reader needs from its transport; the transport that cannot give it refuses the profile.
public enum DeviceNeeds: Sendable, Hashable {
    /// A byte stream (serial line settings come from the profile).
    case byteStream
    /// A GATT service with these characteristics read, subscribed and written (`GATTConnectionPlan`).
    case gatt(GATTProfile)
}

/// What one input produced.
public struct DeviceOutput: Sendable, Hashable {
    public var measurements: [DecodedMeasurement]
    /// To send to the device, in order.
    public var commands: [DeviceCommand]
    public var events: [DriverEvent]
    /// The device clock, when the value was a clock read (GATT Current Time 0x2A2B or Date Time 0x2A08): with the
    /// receipt time it gives `Normaliser.deviceClockOffsetMilliseconds`.
    public var deviceClock: GATTCurrentTime?
    /// The download mark to commit with these measurements (in the same store transaction), when it moved.
    public var recordMark: DeviceRecordMark?
    /// The marks of the device's parts that moved (`DeviceReader.subDevices`), by part: committed like `recordMark`,
    /// each on its part's key.
    public var subDeviceMarks: [String: DeviceRecordMark] = [:]
    /// The record's sequence number, for a numbered record (Glucose Measurement).
    public var sequenceNumber: UInt16?
    /// The RACP answer, when the value was one.
    public var recordAccessResponse: RACPResponse?
    /// A stored-record transfer this input ended is complete and nothing more is asked (a clock set may follow).
    public var transferComplete = false

    public init(measurements: [DecodedMeasurement] = [], commands: [DeviceCommand] = [], events: [DriverEvent] = [],
                deviceClock: GATTCurrentTime? = nil, recordMark: DeviceRecordMark? = nil, recordAccessResponse: RACPResponse? = nil) {
        self.measurements = measurements; self.commands = commands; self.events = events
        self.deviceClock = deviceClock; self.recordMark = recordMark; self.recordAccessResponse = recordAccessResponse
    }

    /// Appends a later step's output (stream readers); the later step's marks and clock win.
    public mutating func append(_ other: DeviceOutput) {
        measurements += other.measurements; commands += other.commands; events += other.events
        deviceClock = other.deviceClock ?? deviceClock; recordMark = other.recordMark ?? recordMark
        subDeviceMarks.merge(other.subDeviceMarks) { _, later in later }
        sequenceNumber = other.sequenceNumber ?? sequenceNumber
        recordAccessResponse = other.recordAccessResponse ?? recordAccessResponse
        transferComplete = transferComplete || other.transferComplete
    }

    /// The byte-stream commands among `commands`.
    public var byteCommands: [[UInt8]] { commands.compactMap { if case let .bytes(bytes) = $0 { bytes } else { nil } } }
    /// The GATT writes among `commands`.
    public var writes: [GATTWrite] { commands.compactMap { if case let .write(write) = $0 { write } else { nil } } }
    /// The reasons of the rejected frames or values among `events`.
    public var rejections: [String] { events.compactMap { if case let .rejectedFrame(reason) = $0 { reason } else { nil } } }
}

/// A byte-stream driver (serial, RFCOMM) written as four steps; its `DeviceReader` conformance maps inputs to them.
public protocol ByteStreamDriver: DeviceReader {
    /// Commands to write right after the port opens (e.g. "start live data").
    mutating func start(at time: Instant) -> DeviceOutput
    /// Bytes as read from the transport, in any chunking (torn frames are reassembled).
    mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput
    /// Called about once a second: keep-alives, timeouts, reporting-window boundaries.
    mutating func tick(at time: Instant) -> DeviceOutput
    /// End of stream: emit what the current window holds.
    mutating func finish(at time: Instant) -> DeviceOutput
}

extension ByteStreamDriver {
    public var needs: DeviceNeeds { .byteStream }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp: start(at: time)
        case let .bytes(bytes): ingest(bytes, at: time)
        case .tick: tick(at: time)
        case .linkDown: finish(at: time)
        case let .value(characteristic, _):
            DeviceOutput(events: [.rejectedFrame(reason: "a characteristic value (\(characteristic.displayText)) for a byte-stream driver")])
        }
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

extension DriverEvent {
    /// A reader that sets the device clock in its own protocol, after every stored record of the link was read (an
    /// Omron cuff's settings): the connection reports the set, so the records that follow are the new clock's.
    public static let deviceClockSetAfterRecords = DriverEvent.deviceInfo(key: "deviceClock", value: "set after the stored records were read")
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

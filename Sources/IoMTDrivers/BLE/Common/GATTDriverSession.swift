import IoMTCore

/// What decoding one characteristic value produced: readings and diagnostics for the pipeline, and
/// writes the BlueZ layer must perform (RACP requests).
public struct GATTOutput: Sendable, Hashable {
    public var measurements: [DecodedMeasurement]
    public var events: [DriverEvent]
    public var writes: [GATTWrite]
    /// The RACP answer, when the value was one (the record transfer it ends is complete).
    public var recordAccessResponse: RACPResponse?
    /// The device clock, when the value was a Current Time (0x2A2B) or Date Time (0x2A08) read: with the
    /// receipt time it gives `Normaliser.deviceClockOffsetMilliseconds` (`clockOffsetMilliseconds(readAt:…)`).
    public var deviceClock: GATTCurrentTime?

    public init(measurements: [DecodedMeasurement] = [], events: [DriverEvent] = [], writes: [GATTWrite] = [],
                recordAccessResponse: RACPResponse? = nil, deviceClock: GATTCurrentTime? = nil) {
        self.measurements = measurements; self.events = events; self.writes = writes
        self.recordAccessResponse = recordAccessResponse; self.deviceClock = deviceClock
    }

    /// The stream drivers' output shape, for the shared pipeline (writes are GATT-only).
    public var driverOutput: DriverOutput { DriverOutput(measurements: measurements, events: events) }
}

/// A per-profile pure decoder: one characteristic value in, readings out. State a profile needs
/// across values (a Temperature Type read once, a glucose high-water mark) lives in the context.
public protocol GATTProfileDecoder: Sendable {
    static var profile: GATTProfile { get }
    static func decode(characteristic: UInt16, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded
}

/// What a profile decoder returns for one value.
public struct GATTDecoded: Sendable, Hashable {
    public var measurements: [DecodedMeasurement] = []
    public var events: [DriverEvent] = []
    /// Record sequence number (Glucose Measurement), for the RACP high-water mark.
    public var sequenceNumber: UInt16?
    public init(measurements: [DecodedMeasurement] = [], events: [DriverEvent] = [], sequenceNumber: UInt16? = nil) {
        self.measurements = measurements; self.events = events; self.sequenceNumber = sequenceNumber
    }
}

/// Facts learned from earlier values of the same connection.
public struct GATTDecodingContext: Sendable, Hashable {
    /// Temperature Type (0x2A1D), applied to measurements that carry no type field (Health Thermometer Service spec).
    public var temperatureType: UInt8?
    /// The last Glucose Measurement: its context (0x2A34, same sequence number) follows it and takes its time.
    public var lastGlucoseRecord: GlucoseRecordTime?
    public init(temperatureType: UInt8? = nil, lastGlucoseRecord: GlucoseRecordTime? = nil) {
        self.temperatureType = temperatureType; self.lastGlucoseRecord = lastGlucoseRecord
    }
}

/// When a glucose record was taken, as its measurement said.
public struct GlucoseRecordTime: Sendable, Hashable {
    public var sequenceNumber: UInt16
    public var deviceTime: CivilTime
    public var clockNotSet: Bool
}

/// One connection to one Bluetooth health device. The BlueZ layer calls:
/// 1. `connected(at:)` after service discovery and subscriptions: perform the returned writes (RACP).
/// 2. `decode(characteristic:value:receivedAt:)` for every value read (features, types, clocks) and
///    every notification/indication, in arrival order.
/// Pure: no I/O, no clock; a value that cannot be decoded becomes a `rejectedFrame` event, never a crash.
public struct GATTDriverSession: Sendable {
    public let profile: GATTProfile
    private let decoder: any GATTProfileDecoder.Type
    private var context = GATTDecodingContext()
    /// Highest record sequence number received (persist it per device; pass it back to `init`).
    public private(set) var highWaterSequenceNumber: UInt16?

    public init(decoder: any GATTProfileDecoder.Type, highWaterSequenceNumber: UInt16? = nil) {
        self.decoder = decoder; self.profile = decoder.profile; self.highWaterSequenceNumber = highWaterSequenceNumber
    }

    /// RACP requests to write once subscriptions are active: records after the high-water mark when
    /// one is known (sequence numbers, Glucose), all stored records otherwise.
    public mutating func connected(at time: Instant) -> GATTOutput {
        guard profile.usesRecordAccessControlPoint else { return GATTOutput() }
        let request: RACPRequest
        if let mark = highWaterSequenceNumber, profile.service == GATTService.glucose {
            // At 0xFFFF nothing newer can be numbered; ask from the mark itself and drop the duplicate.
            request = .reportRecordsFromSequenceNumber(mark == .max ? mark : mark + 1)
        } else {
            request = .reportAllRecords
        }
        return GATTOutput(writes: [GATTWrite(service: profile.service, characteristic: GATTCharacteristic.recordAccessControlPoint,
                                             value: request.bytes)])
    }

    public mutating func decode(characteristic: UInt16, value: [UInt8], receivedAt: Instant) -> GATTOutput {
        do throws(GATTDecodingError) {
            switch characteristic {
            case GATTCharacteristic.recordAccessControlPoint where profile.usesRecordAccessControlPoint:
                let response = try RACPResponse.decode(value)
                return GATTOutput(events: [.deviceInfo(key: "racp", value: response.description)], recordAccessResponse: response)
            case GATTCharacteristic.currentTime:
                let time = try GATTCurrentTime.decode(value)
                return GATTOutput(events: [.deviceInfo(key: "deviceClock", value: clockText(time.dateTime))], deviceClock: time)
            case GATTCharacteristic.dateTime:
                let time = try GATTDateTime.decode(value)
                return GATTOutput(events: [.deviceInfo(key: "deviceClock", value: clockText(time))],
                                  deviceClock: GATTCurrentTime(dateTime: time, dayOfWeek: 0, fractions256: 0, adjustReason: 0))
            default:
                guard profile.use(of: characteristic) != nil else {
                    return GATTOutput(events: [.rejectedFrame(reason: "characteristic 0x\(GATTUUID.hex(characteristic)) is not part of \(profile.name)")])
                }
                var decoded = try decoder.decode(characteristic: characteristic, value: value, context: &context)
                if let sequence = decoded.sequenceNumber {
                    if highWaterSequenceNumber == .max, sequence == .max {
                        decoded.measurements = []  // the record asked for again at the top of the range
                    } else if highWaterSequenceNumber.map({ sequence > $0 }) ?? true {
                        highWaterSequenceNumber = sequence
                    }
                }
                return GATTOutput(measurements: decoded.measurements, events: decoded.events)
            }
        } catch {
            return GATTOutput(events: [.rejectedFrame(reason: error.description)])
        }
    }

    private func clockText(_ time: GATTDateTime) -> String {
        time.isClockUnset ? "not set (\(time.civilTime.iso8601(withOffset: false, fractionDigits: 0)))"
                          : time.civilTime.iso8601(withOffset: false, fractionDigits: 0)
    }
}

import IoMTCore
import IoMTProfiles

/// A per-profile pure decoder: one characteristic value in, readings out. State a profile needs
/// across values (a Temperature Type read once, a glucose high-water mark) lives in the context.
public protocol GATTProfileDecoder: Sendable {
    static var profile: GATTProfile { get }
    static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded
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
public struct GATTDriverSession: DeviceReader {
    public let profile: GATTProfile
    private let decoder: any GATTProfileDecoder.Type
    private var context = GATTDecodingContext()
    /// The last record received (Glucose sequence numbers); the store holds the committed one, pass it to `resume(from:)`.
    public private(set) var recordMark: DeviceRecordMark?
    /// Highest record sequence number received, for callers that keep only the number.
    public var highWaterSequenceNumber: UInt16? { recordMark?.sequenceNumber }
    private var transfer = Transfer.idle
    /// The highest record of a full read (all records, or a re-read after a restart): the mark follows it.
    private var transferTop: DeviceRecordMark?

    /// Where the record transfer of this link stands. Glucose Service: records are numbered by the sensor in
    /// increasing order (Sequence Number, GATT Specification Supplement "Glucose Measurement"); RACP "greater
    /// than or equal to" a sequence number reports the stored records from it, in order (GATT Specification
    /// Supplement §3.178, Record Access Control Point). Asking from the mark itself lets the first record
    /// prove the numbering is the one the mark came from: the same number with the same Base Time.
    private enum Transfer: Sendable, Equatable {
        case idle
        /// Asked from the mark (inclusive); the first record must be the marked one.
        case verifying(DeviceRecordMark)
        /// Receiving records after a verified (or absent) mark.
        case downloading
        /// The numbering restarted: the records of this transfer are kept, then all records are asked again.
        case restartedRereadAfterTransfer
        /// Re-reading every record after a restart; the mark follows each record, down as well as up.
        case rereading
    }

    /// `quirks`: the device model's Bluetooth quirks (its profile's `bluetoothQuirks`), carried in `needs` for the connection.
    public init(decoder: any GATTProfileDecoder.Type, highWaterSequenceNumber: UInt16? = nil, quirks: Set<BluetoothQuirk> = []) {
        self.decoder = decoder; self.profile = decoder.profile.with(quirks: quirks)
        recordMark = highWaterSequenceNumber.map { DeviceRecordMark(sequenceNumber: $0, deviceTime: nil) }
    }

    /// Starts the next link from the mark the store committed (not from what this session last decoded: a
    /// record decoded but not stored must be asked for again).
    public mutating func resume(from mark: DeviceRecordMark?) {
        recordMark = mark
        transfer = .idle
    }

    /// RACP requests to write once subscriptions are active: records from the mark when one is known
    /// (sequence numbers, Glucose), all stored records otherwise.
    public var needs: DeviceNeeds { .gatt(profile) }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp: connected(at: time)
        case let .value(characteristic, bytes): decode(characteristic: characteristic, value: bytes, receivedAt: time)
        case .tick, .linkDown: DeviceOutput()
        case .bytes: DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(profile.driverId)")])
        }
    }

    public mutating func connected(at time: Instant) -> DeviceOutput {
        guard profile.usesRecordAccessControlPoint else { return DeviceOutput() }
        let request: RACPRequest
        if let mark = recordMark, profile.service == GATTService.glucose {
            request = .reportRecordsFromSequenceNumber(mark.sequenceNumber)
            transfer = .verifying(mark)
        } else {
            request = .reportAllRecords
            transfer = profile.service == GATTService.glucose ? .rereading : .downloading
            transferTop = nil
        }
        return DeviceOutput(commands: [.write(racpWrite(request))])
    }

    private func racpWrite(_ request: RACPRequest) -> GATTWrite {
        GATTWrite(service: profile.service, characteristic: GATTCharacteristic.recordAccessControlPoint, value: request.bytes)
    }

    public mutating func decode(characteristic: BluetoothUUID, value: [UInt8], receivedAt: Instant) -> DeviceOutput {
        do throws(GATTDecodingError) {
            switch characteristic {
            case GATTCharacteristic.recordAccessControlPoint where profile.usesRecordAccessControlPoint:
                let response = try RACPResponse.decode(value)
                var output = DeviceOutput(events: [.deviceInfo(key: "racp", value: response.description)], recordAccessResponse: response)
                switch transfer {
                case .verifying, .restartedRereadAfterTransfer:
                    // The marked record is gone (no records found) or the numbering restarted: read everything again;
                    // the duplicates this sends are suppressed at delivery (PHD identifier).
                    output.events.append(.deviceInfo(key: "recordNumbering", value: "sequence numbers restarted (meter reset or replaced); reading every record again"))
                    output.commands = [.write(racpWrite(.reportAllRecords))]
                    transfer = .rereading
                    transferTop = nil
                case .rereading, .downloading, .idle:
                    transfer = .downloading
                    output.transferComplete = true
                }
                return output
            case GATTCharacteristic.currentTime:
                let time = try GATTCurrentTime.decode(value)
                return DeviceOutput(events: [.deviceInfo(key: "deviceClock", value: clockText(time.dateTime))], deviceClock: time)
            case GATTCharacteristic.dateTime:
                let time = try GATTDateTime.decode(value)
                return DeviceOutput(events: [.deviceInfo(key: "deviceClock", value: clockText(time))],
                                  deviceClock: GATTCurrentTime(dateTime: time, dayOfWeek: 0, fractions256: 0, adjustReason: 0))
            default:
                guard profile.use(of: characteristic) != nil else {
                    return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not part of \(profile.name)")])
                }
                var decoded = try decoder.decode(characteristic: characteristic, value: value, context: &context)
                var output = DeviceOutput(measurements: decoded.measurements, events: decoded.events)
                if let sequence = decoded.sequenceNumber {
                    let record = DeviceRecordMark(sequenceNumber: sequence, deviceTime: context.lastGlucoseRecord?.deviceTime)
                    output.sequenceNumber = sequence
                    output.recordMark = place(record, measurements: &decoded.measurements, events: &output.events)
                    output.measurements = decoded.measurements
                }
                return output
            }
        } catch {
            return DeviceOutput(events: [.rejectedFrame(reason: error.description)])
        }
    }

    /// Where a numbered record falls against the mark: the marked record itself (a duplicate, dropped), a newer
    /// one (the mark moves), or one that shows the numbering restarted (kept; everything is read again).
    private mutating func place(_ record: DeviceRecordMark, measurements: inout [DecodedMeasurement], events: inout [DriverEvent]) -> DeviceRecordMark? {
        switch transfer {
        case let .verifying(mark):
            if record.sequenceNumber == mark.sequenceNumber, mark.deviceTime == nil || mark.deviceTime == record.deviceTime {
                transfer = .downloading
                measurements = []
                return nil
            }
            transfer = .restartedRereadAfterTransfer
            transferTop = record
            recordMark = record
            return record
        case .rereading, .restartedRereadAfterTransfer:
            // A full read: the mark is the highest number of this read (it may lie below the old mark).
            if let top = transferTop, record.sequenceNumber <= top.sequenceNumber { return nil }
            transferTop = record
            recordMark = record
            return record
        case .downloading, .idle:
            guard let mark = recordMark else { recordMark = record; return record }
            if record.sequenceNumber > mark.sequenceNumber { recordMark = record; return record }
            if record.sequenceNumber == mark.sequenceNumber, mark.deviceTime == nil || mark.deviceTime == record.deviceTime {
                measurements = []  // the marked record again
                return nil
            }
            // A lower number, or the marked number with another time, outside a re-read: the numbering restarted.
            transfer = .restartedRereadAfterTransfer
            transferTop = record
            recordMark = record
            return record
        }
    }

    private func clockText(_ time: GATTDateTime) -> String {
        time.isClockUnset ? "not set (\(time.civilTime.iso8601(withOffset: false, fractionDigits: 0)))"
                          : time.civilTime.iso8601(withOffset: false, fractionDigits: 0)
    }
}

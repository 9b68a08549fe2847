import IoMTCore
import IoMTProfiles

/// What a vendor BLE oximeter that streams live values once subscribed (no commands) tells its reader: the GATT
/// service, the characteristic it notifies, and how one notification becomes samples. The decoder may keep state
/// (a stream framer's buffer, the last status) across the notifications of one link.
public protocol LiveOximetryNotifications: Sendable {
    associatedtype Sample: OximetryWindowSample
    static var profile: GATTProfile { get }
    init()
    /// One notification: the samples it completed, and rejections or device facts.
    mutating func receive(_ bytes: [UInt8]) -> (samples: [Sample], events: [DriverEvent])
}

extension LiveOximetryNotifications {
    /// The characteristic the samples arrive on: the profile's notified one (`GATTProfile.liveOximeter`).
    public static var liveCharacteristic: BluetoothUUID { profile.mainMeasurement }
}

extension GATTProfile {
    /// A vendor live oximeter's profile: one service, the characteristic it notifies its frames on, and a command
    /// characteristic declared optional and never written (the live stream needs no command); no clock is read.
    public static func liveOximeter(driverId: String, name: String, service: BluetoothUUID,
                                    notified: (uuid: BluetoothUUID, name: String), command: (uuid: BluetoothUUID, name: String)) -> GATTProfile {
        GATTProfile(driverId: driverId, name: name, service: service, [
            .init(notified.uuid, .notify, name: notified.name), .init(command.uuid, .write, optional: true, name: command.name),
        ], clock: [])
    }
}

/// A live session with such an oximeter: every notification of the live characteristic goes through the decoder into
/// the shared reporting window (one SpO2 and one pulse rate per window, `OximetryWindowAggregator`); ticks close due
/// windows; the link's end flushes the open one. A fresh decoder per link (a torn frame never joins the next link's).
public struct LiveOximetryGATTReader<Decoder: LiveOximetryNotifications>: DeviceReader {
    public let reportIntervalMs: Int64
    public var needs: DeviceNeeds { .gatt(Decoder.profile) }
    private var decoder = Decoder()
    private var aggregator: OximetryWindowAggregator<Decoder.Sample>

    public init(reportIntervalMs: Int64 = 1000) {
        self.reportIntervalMs = reportIntervalMs
        aggregator = OximetryWindowAggregator(intervalMs: reportIntervalMs)
    }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            decoder = Decoder()
            aggregator = OximetryWindowAggregator(intervalMs: reportIntervalMs)
            return DeviceOutput()
        case let .value(characteristic, bytes):
            guard characteristic == Decoder.liveCharacteristic else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not the live characteristic of \(Decoder.profile.name)")])
            }
            var output = DeviceOutput(measurements: aggregator.advance(to: time))
            let (samples, events) = decoder.receive(bytes)
            output.events += events
            aggregator.add(samples, at: time)
            return output
        case .tick:
            return DeviceOutput(measurements: aggregator.advance(to: time))
        case .linkDown:
            return DeviceOutput(measurements: aggregator.flush(at: time))
        case .bytes:
            return DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(Decoder.profile.driverId)")])
        }
    }

    /// The registration of a driver built on this reader (its only option: `reportIntervalMs`).
    static func registration(_ driverId: String) -> DriverRegistration {
        DriverRegistration(id: driverId, options: ["reportIntervalMs"], isGATT: true) { profile, options throws(DriverConfigurationError) in
            try DriverRegistry.checkBluetooth(profile, offers: Decoder.profile)
            return LiveOximetryGATTReader(reportIntervalMs: try reportInterval(options))
        }
    }
}

/// A sample of an oximeter whose frames carry values and no status: a missing value is the only sign of trouble.
public struct PlainOximetrySample: Sendable, Hashable, OximetryWindowSample {
    /// SpO2 in percent; nil for the device's "no value".
    public var spo2: Int?
    /// Pulse rate per minute; nil for the device's "no value".
    public var pulseRate: Int?
    /// Perfusion index in percent; nil when the frame carries none or its "no value".
    public var perfusionIndex: DecimalValue?
    public var frame: [UInt8]
    public var conditions: MeasurementStatus { [] }
    public var signalLevel: Int? { nil }
    public init(spo2: Int?, pulseRate: Int?, perfusionIndex: DecimalValue? = nil, frame: [UInt8]) {
        self.spo2 = spo2; self.pulseRate = pulseRate; self.perfusionIndex = perfusionIndex; self.frame = frame
    }
}

/// What the live oximeters' invariants share (fuzz targets, tests): the notifications of `stream` in pieces of `size`
/// bytes, `step` ms apart, each followed by a tick; the outputs must be deterministic and keep the oximetry invariant.
public enum LiveOximetryInvariants {
    public static func violation<Decoder: LiveOximetryNotifications>(in input: [UInt8], decoder: Decoder.Type) -> String? {
        guard let control = input.first else { return nil }
        let size = Int(control & 0x1F) + 1
        let step = Int64(control >> 5) * 250 + 250
        let stream = Array(input.dropFirst())
        let first = run(stream, decoder: decoder, size: size, step: step)
        if first.outputs != run(stream, decoder: decoder, size: size, step: step).outputs { return "reading is not deterministic" }
        for output in first.outputs {
            if !output.commands.isEmpty { return "a live oximeter reader wrote to the device" }
            if output.measurements.filter({ $0.type == .spo2 }).count != output.measurements.filter({ $0.type == .pulseRateOximetry }).count {
                return "a window without both its SpO2 and its pulse rate"
            }
            if let problem = OximetryOutputInvariant.violation(in: output.measurements, carried: first.carried,
                                                               carriedPerfusion: first.carriedPerfusion) { return problem }
        }
        return nil
    }

    /// The outputs, and every value a decoded sample carried (a reading must be one of them).
    private static func run<Decoder: LiveOximetryNotifications>(_ stream: [UInt8], decoder: Decoder.Type, size: Int,
                                                               step: Int64) -> (outputs: [DeviceOutput], carried: Set<Int>, carriedPerfusion: Set<DecimalValue>) {
        var reader = LiveOximetryGATTReader<Decoder>()
        var witness = Decoder()
        var carried: Set<Int> = []
        var carriedPerfusion: Set<DecimalValue> = []
        var time = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
        var outputs = [reader.handle(.linkUp, at: time)]
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + size)
            let notification = Array(stream[offset..<end])
            for sample in witness.receive(notification).samples {
                carried.formUnion([sample.spo2, sample.pulseRate].compactMap { $0 })
                if let perfusion = sample.perfusionIndex { carriedPerfusion.insert(perfusion) }
            }
            outputs.append(reader.handle(.value(characteristic: Decoder.liveCharacteristic, bytes: notification), at: time))
            time = time.adding(milliseconds: step)
            outputs.append(reader.handle(.tick, at: time))
            offset = end
        }
        outputs.append(reader.handle(.linkDown, at: time))
        return (outputs, carried, carriedPerfusion)
    }
}

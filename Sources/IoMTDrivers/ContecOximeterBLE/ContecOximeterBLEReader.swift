import IoMTCore

/// A live session with a Contec-family BLE oximeter (EMAY SleepO2) as a state machine (README.md): link up → HELLO
/// and START written to FF01; each live frame notified on FF02 goes into the reporting window (one SpO2 and one pulse
/// rate per window); each tick closes due windows and writes the HEARTBEAT that keeps the stream alive, and a stream
/// silent for `restartAfterMs` is started again. Pure: no I/O, no clock but the instants it is handed; anything
/// unexpected is a `rejectedFrame`, never a crash.
public struct ContecOximeterBLEReader: DeviceReader {
    public struct Options: Sendable, Hashable {
        /// The reporting window (100 ms to 60 s).
        public var reportIntervalMs: Int64 = 1000
        /// How often the heartbeat is written (the published client: every second).
        public var heartbeatIntervalMs: Int64 = 1000
        /// Live silence after which START is written again.
        public var restartAfterMs: Int64 = 5000
        public init() {}
    }

    public static let profile = ContecBLEFraming.gattProfile(driverId: ContecOximeterBLERegistration.driverId,
                                                             name: "Contec-family BLE oximeter (EMAY SleepO2, service FF12)", notified: "Live frames")

    public let options: Options
    public var needs: DeviceNeeds { .gatt(Self.profile) }
    private var aggregator: OximetryWindowAggregator<ContecOximeterBLESample>
    /// nil while the link is down.
    private var lastHeartbeat: Instant?
    /// The last live frame, or the last START when none has come since.
    private var lastLive: Instant?

    public init(options: Options = Options()) {
        self.options = options
        aggregator = OximetryWindowAggregator(intervalMs: options.reportIntervalMs)
    }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            aggregator = OximetryWindowAggregator(intervalMs: options.reportIntervalMs)
            lastHeartbeat = time
            lastLive = time
            return write([ContecOximeterBLEProtocol.hello, ContecOximeterBLEProtocol.start])
        case let .value(characteristic, bytes):
            guard characteristic == ContecBLEFraming.notifyCharacteristic else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not one the Contec BLE oximeter notifies (FF02)")])
            }
            return receive(bytes, at: time)
        case .tick:
            return tick(at: time)
        case .linkDown:
            lastHeartbeat = nil
            lastLive = nil
            return DeviceOutput(measurements: aggregator.flush(at: time))
        case .bytes:
            return DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(Self.profile.driverId)")])
        }
    }

    /// A notification holds one live frame (or, should a stack merge them, several back to back); anything from a
    /// byte that does not start a live frame to the end of the notification is one rejected frame.
    private mutating func receive(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        var samples: [ContecOximeterBLESample] = []
        var offset = 0
        while offset < bytes.count {
            let end = bytes[offset] == 0xEB ? min(bytes.count, offset + ContecOximeterBLEProtocol.liveFrameLength) : bytes.count
            do throws(ContecOximeterBLEProtocol.Problem) {
                samples.append(try ContecOximeterBLEProtocol.decodeLiveFrame(Array(bytes[offset..<end])))
            } catch {
                output.events.append(.rejectedFrame(reason: error.description))
            }
            offset = end
        }
        if !samples.isEmpty, lastLive != nil { lastLive = time }
        aggregator.add(samples, at: time)
        return output
    }

    private mutating func tick(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        guard var heartbeat = lastHeartbeat, var live = lastLive else { return output }
        // The wall clock stepped back (NTP, a technician): measure heartbeat and silence from now, not from the future.
        if time < heartbeat { heartbeat = time.adding(milliseconds: -options.heartbeatIntervalMs); lastHeartbeat = heartbeat }
        if time < live { live = time; lastLive = time }
        if time.milliseconds(since: live) >= options.restartAfterMs {
            lastLive = time
            lastHeartbeat = time
            output.events.append(.deviceInfo(key: "liveStream", value: "no live frame for \(options.restartAfterMs / 1000) s; START written again"))
            output.append(write([ContecOximeterBLEProtocol.hello, ContecOximeterBLEProtocol.start]))
        } else if time.milliseconds(since: heartbeat) >= options.heartbeatIntervalMs {
            lastHeartbeat = time
            output.append(write([ContecOximeterBLEProtocol.heartbeat]))
        }
        return output
    }

    private func write(_ commands: [[UInt8]]) -> DeviceOutput {
        DeviceOutput(commands: commands.map {
            .write(GATTWrite(service: ContecBLEFraming.service, characteristic: ContecBLEFraming.commandCharacteristic, value: $0))
        })
    }
}

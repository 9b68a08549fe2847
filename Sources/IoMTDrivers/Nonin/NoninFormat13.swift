import IoMTCore

/// Nonin data format #13, the 9560 Onyx II's default: one SmartPoint spot-check per packet, with the time the
/// device measured it (README.md, "Data format #13"; Nonin 9560 Bluetooth Specification 6470-000-01, pp. 5–7).
///
/// Packet: `00 02 00 0D LenMSB LenLSB` (NUL, STX, packet type 0x000D, data length ≥ 14), the spot-check data,
/// `checksum 03` (checksum = low byte of the sum of the data bytes; ETX). Data: `CC YY MM DD hh mm ss ff` (BCD:
/// century, year, month, day, hour, minute, second, hundredths), STATUS MSB (bit 1 SPA high-quality SmartPoint,
/// bit 0 NOMS no measurement), STATUS LSB (bit 4 MEM from memory, bit 0 LOW BAT), pulse rate MSB (bit 0 = HR8) and
/// LSB, reserved, SpO2 (7 bits). Missing values: pulse 511, SpO2 127. Data longer than 14 bytes carries parameters
/// added later; they are skipped.
public enum NoninFormat13 {
    public static let header: [UInt8] = [0x00, 0x02, 0x00, 0x0D]
    public static let minimumDataLength = 14
    /// The spec defines 14 bytes and lets the data grow; a length past this is a corrupt header, not a packet to wait for.
    public static let maximumDataLength = 255

    /// One decoded spot-check.
    public struct SpotCheck: Sendable, Hashable {
        /// The device's time of the measurement; nil when a field is not valid BCD or not a date.
        public var time: CivilTime?
        public var spo2: Int?
        public var pulseRate: Int?
        /// SPA: the SmartPoint algorithm reached a high-quality measurement (else the value at 40 s, flagged questionable).
        public var highQuality: Bool
        /// NOMS: the device says it measured nothing.
        public var noMeasurement: Bool
        /// MEM: forwarded from the device's memory (measured while no link was up).
        public var fromMemory: Bool
        public var lowBattery: Bool
        public var packet: [UInt8]
    }

    /// Decodes the data bytes of one checked packet (`packet` is the whole packet, kept as the raw frame).
    public static func decode(data: ArraySlice<UInt8>, packet: [UInt8]) -> SpotCheck? {
        guard data.count >= minimumDataLength else { return nil }
        let d = Array(data.prefix(minimumDataLength))
        let digits = d[0..<8].map(bcd)
        var time: CivilTime?
        if let century = digits[0], let year = digits[1], let month = digits[2], let day = digits[3], let hour = digits[4],
           let minute = digits[5], let second = digits[6], let hundredths = digits[7] {
            let candidate = CivilTime(year: century * 100 + year, month: month, day: day, hour: hour, minute: minute, second: second,
                                      millisecond: hundredths * 10)
            time = candidate.isValid ? candidate : nil
        }
        let pulse = Int(d[10] & 0x01) << 8 | Int(d[11])
        let spo2 = Int(d[13] & 0x7F)
        return SpotCheck(time: time, spo2: NoninSample.validSpO2(spo2), pulseRate: NoninSample.validPulseRate(pulse),
                         highQuality: d[8] & 0x02 != 0, noMeasurement: d[8] & 0x01 != 0,
                         fromMemory: d[9] & 0x10 != 0, lowBattery: d[9] & 0x01 != 0, packet: packet)
    }

    /// Two BCD digits, nil when either nibble is above 9.
    static func bcd(_ byte: UInt8) -> Int? {
        let high = Int(byte >> 4), low = Int(byte & 0x0F)
        return high <= 9 && low <= 9 ? high * 10 + low : nil
    }

    /// The measurements of one spot-check: SpO2 and pulse rate with the device's time. No measurement or a missing value
    /// is reported as no value (`not-available`); a spot-check that did not reach the SmartPoint quality is `questionable`.
    public static func measurements(_ check: SpotCheck) -> [DecodedMeasurement] {
        var status: MeasurementStatus = []
        if !check.highQuality { status.insert(.questionable) }
        func reading(_ type: MeasurementType, _ value: Int?, unit: String) -> DecodedMeasurement {
            var flags = status
            let present = check.noMeasurement ? nil : value
            if present == nil { flags.insert(.notAvailable) }
            return DecodedMeasurement(type: type, value: present.map { DecimalValue($0) }, unit: unit, status: flags,
                                      deviceTime: check.time, rawFrame: check.packet)
        }
        return [reading(.spo2, check.spo2, unit: "%"), reading(.pulseRateOximetry, check.pulseRate, unit: "/min")]
    }
}

/// Finds data format #13 packets in a byte stream: hunts for the 4-byte header, reads the length, and checks the
/// checksum and ETX; a packet that fails is rejected and the hunt resumes one byte after its start.
public struct NoninFormat13Framer: Sendable {
    private var buffer: [UInt8] = []
    public private(set) var discardedBytes = 0
    public private(set) var rejections: [String] = []

    public init() {}

    /// Complete, checked packets with the range of their data bytes.
    public mutating func push(_ bytes: [UInt8]) -> [(packet: [UInt8], data: Range<Int>)] {
        buffer += bytes
        var packets: [(packet: [UInt8], data: Range<Int>)] = []
        var start = 0
        while true {
            guard let found = headerStart(from: start) else {
                discardedBytes += buffer.count - start // not even a header's first bytes: noise
                start = buffer.count
                break
            }
            discardedBytes += found - start
            start = found
            let headerLength = NoninFormat13.header.count + 2
            guard buffer.count - start >= headerLength else { break }
            let length = Int(buffer[start + 4]) << 8 | Int(buffer[start + 5])
            guard (NoninFormat13.minimumDataLength...NoninFormat13.maximumDataLength).contains(length) else {
                rejections.append("data length \(length) outside \(NoninFormat13.minimumDataLength)…\(NoninFormat13.maximumDataLength)")
                discardedBytes += 1
                start += 1
                continue
            }
            let total = headerLength + length + 2
            guard buffer.count - start >= total else { break }
            let packet = Array(buffer[start..<(start + total)])
            let data = headerLength..<(headerLength + length)
            let sum = packet[data].reduce(UInt8(0)) { $0 &+ $1 }
            if packet[total - 2] != sum || packet[total - 1] != 0x03 {
                rejections.append(packet[total - 1] != 0x03 ? "no ETX after the data" : "checksum mismatch")
                discardedBytes += 1
                start += 1
                continue
            }
            packets.append((packet, data))
            start += total
        }
        buffer.removeFirst(start)
        return packets
    }

    public var pendingByteCount: Int { buffer.count }

    /// Takes the rejections recorded since the last call.
    public mutating func takeRejections() -> [String] { defer { rejections = [] }; return rejections }

    private func headerStart(from index: Int) -> Int? {
        let header = NoninFormat13.header
        var candidate = index
        while candidate < buffer.count {
            let available = min(header.count, buffer.count - candidate)
            if buffer[candidate..<(candidate + available)].elementsEqual(header.prefix(available)) { return candidate }
            candidate += 1
        }
        return nil
    }
}

/// The 9560's spot-check session: each packet is reported as it arrives (stored ones first, oldest first), with the
/// device's time. `selectsFormat` sends the format-13 select command at link up (the device keeps it in NVRAM).
///
/// Session end: at a link the 9560 forwards its stored spot-checks (MEM set) oldest first, then the one it just took
/// (MEM clear), and pages the master anew for its next measurement. So the packet with MEM clear ends a session: a
/// `session` device event says so with the session's counts, and the next packets belong to a new session. A link
/// that closes after stored packets only ends the session too, with an event saying the current one never came.
public struct NoninFormat13Session: ByteStreamDriver {
    private var framer = NoninFormat13Framer()
    public let selectsFormat: Bool
    /// Spot-checks of the session in progress (since the link came up or the last current one), and how many from memory.
    private var sessionSpotChecks = 0
    private var sessionFromMemory = 0

    public init(selectsFormat: Bool) { self.selectsFormat = selectsFormat }

    public static let sessionEventKey = "session"

    /// The event text for a session ended by its current (MEM clear) spot-check.
    public static func sessionEnded(spotChecks: Int, fromMemory: Int) -> String {
        "ended after \(spotChecks) spot-check\(spotChecks == 1 ? "" : "s") (\(fromMemory) from memory)"
    }

    /// The event text for a link that closed after stored spot-checks without the current one.
    public static func linkClosedWithoutCurrent(storedSpotChecks: Int) -> String {
        "link closed after \(storedSpotChecks) stored spot-check\(storedSpotChecks == 1 ? "" : "s") without the current one"
    }

    public mutating func start(at time: Instant) -> DeviceOutput {
        sessionSpotChecks = 0
        sessionFromMemory = 0
        return DeviceOutput(commands: selectsFormat ? [.bytes(NoninCommand.selectDataFormat(0x0D))] : [])
    }

    public mutating func ingest(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        let discardedBefore = framer.discardedBytes
        for (packet, data) in framer.push(bytes) {
            guard let check = NoninFormat13.decode(data: packet[data], packet: packet) else { continue }
            if check.time == nil { output.events.append(.rejectedFrame(reason: "spot-check time is not a valid BCD date; the reading keeps no device time")) }
            if check.lowBattery { output.events.append(.deviceInfo(key: "battery", value: "low")) }
            output.measurements += NoninFormat13.measurements(check)
            sessionSpotChecks += 1
            if check.fromMemory { sessionFromMemory += 1; continue }
            output.events.append(.deviceInfo(key: Self.sessionEventKey, value: Self.sessionEnded(spotChecks: sessionSpotChecks, fromMemory: sessionFromMemory)))
            sessionSpotChecks = 0
            sessionFromMemory = 0
        }
        output.events += framer.takeRejections().map { .rejectedFrame(reason: $0) }
        if framer.discardedBytes > discardedBefore {
            output.events.append(.resynchronised(discardedBytes: framer.discardedBytes - discardedBefore))
        }
        return output
    }

    public mutating func tick(at time: Instant) -> DeviceOutput { DeviceOutput() }

    public mutating func finish(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        if framer.pendingByteCount > 0 { output.events.append(.resynchronised(discardedBytes: framer.pendingByteCount)) }
        if sessionSpotChecks > 0 {
            output.events.append(.deviceInfo(key: Self.sessionEventKey, value: Self.linkClosedWithoutCurrent(storedSpotChecks: sessionSpotChecks)))
        }
        sessionSpotChecks = 0
        sessionFromMemory = 0
        return output
    }
}

import IoMTCore

/// What a device and the gateway said to each other during `iomtctl capture`, in order, with the gateway's times:
/// the record a Firmware-Fixtures capture case is made from. Its text form (`text`, `parse`) is the case's
/// `transcript.txt`, documented in Firmware-Fixtures/README.md ("Capture transcripts"): a header, then one event a line,
/// `+<milliseconds since start> <direction> <kind> [<characteristic>] [<hex bytes>]`.
public struct CaptureTranscript: Sendable, Hashable {
    public enum Event: Sendable, Hashable {
        /// The link came up (a port opened; a GATT link's reads and subscriptions done).
        case linkUp
        /// The link ended.
        case linkDown
        /// Bytes the device sent on a byte stream (serial, SPP), as they arrived.
        case bytes([UInt8])
        /// A characteristic value the device sent (read, notified or indicated).
        case value(characteristic: BluetoothUUID, bytes: [UInt8])
        /// Bytes the gateway's driver sent the device on a byte stream (a request, a keep-alive).
        case command([UInt8])
        /// A GATT write the gateway's driver made (RACP, a vendor command).
        case write(characteristic: BluetoothUUID, bytes: [UInt8])

        /// `device>gateway`, `gateway>device` or `link`.
        public var direction: String {
            switch self {
            case .linkUp, .linkDown: "link"
            case .bytes, .value: "device>gateway"
            case .command, .write: "gateway>device"
            }
        }

        /// The payload's bytes (none for link events).
        public var payload: [UInt8] {
            switch self {
            case .linkUp, .linkDown: []
            case let .bytes(bytes), let .command(bytes): bytes
            case let .value(_, bytes), let .write(_, bytes): bytes
            }
        }

        /// What the reader was handed, for events the device caused (nil for what the gateway sent).
        public var input: DeviceInput? {
            switch self {
            case .linkUp: .linkUp
            case .linkDown: .linkDown
            case let .bytes(bytes): .bytes(bytes)
            case let .value(characteristic, bytes): .value(characteristic: characteristic, bytes: bytes)
            case .command, .write: nil
            }
        }
    }

    public struct Entry: Sendable, Hashable {
        /// Milliseconds after `start` on the gateway's clock.
        public var offsetMilliseconds: Int64
        public var event: Event
        public init(offsetMilliseconds: Int64, event: Event) { self.offsetMilliseconds = offsetMilliseconds; self.event = event }
    }

    /// The gateway's time at offset 0 (when the capture began).
    public var start: Instant
    public var entries: [Entry]

    public init(start: Instant, entries: [Entry] = []) { self.start = start; self.entries = entries }

    public static let formatLine = "# iomtd capture transcript 1"

    /// Bytes the device sent (byte-stream chunks and characteristic values).
    public var bytesFromDevice: Int { entries.reduce(0) { $0 + ($1.event.direction == "device>gateway" ? $1.event.payload.count : 0) } }

    /// The text form, one line per event after a two-line header.
    public var text: String {
        var lines = [Self.formatLine, "# start \(start.iso8601)"]
        for entry in entries {
            let offset = String(entry.offsetMilliseconds)
            var line = "+" + String(repeating: "0", count: max(0, 7 - offset.count)) + offset + " " + entry.event.direction + " "
            switch entry.event {
            case .linkUp: line += "up"
            case .linkDown: line += "down"
            case let .bytes(bytes): line += "bytes " + Hex.string(bytes, separator: " ")
            case let .command(bytes): line += "command " + Hex.string(bytes, separator: " ")
            case let .value(characteristic, bytes): line += "value \(characteristic.shortText) " + Hex.string(bytes, separator: " ")
            case let .write(characteristic, bytes): line += "write \(characteristic.shortText) " + Hex.string(bytes, separator: " ")
            }
            lines.append(line.hasSuffix(" ") ? String(line.dropLast()) : line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let expected: String
        public let found: String
        public var description: String { "transcript line \(line): expected \(expected), found \"\(found)\"" }
    }

    /// Reads the text form back. Errors name the line and what was expected.
    public static func parse(_ text: String) throws(ParseError) -> CaptureTranscript {
        var start: Instant?
        var entries: [Entry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.trimmed(raw)
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                if line.hasPrefix("# start ") {
                    let value = String(line.dropFirst("# start ".count))
                    guard let instant = Instant(iso8601: value) else { throw ParseError(line: number, expected: "an ISO 8601 start time", found: value) }
                    start = instant
                }
                continue
            }
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 3, fields[0].hasPrefix("+"), let offset = Int64(fields[0].dropFirst()), offset >= 0 else {
                throw ParseError(line: number, expected: "+<milliseconds> <direction> <kind> …", found: line)
            }
            let (direction, kind) = (fields[1], fields[2])
            func bytes(from position: Int) throws(ParseError) -> [UInt8] {
                let hex = fields.dropFirst(position).joined(separator: " ")
                do { return try Hex.bytes(from: hex) } catch { throw ParseError(line: number, expected: "hex bytes (\(error))", found: hex) }
            }
            func characteristic() throws(ParseError) -> BluetoothUUID {
                guard fields.count > 3, let uuid = BluetoothUUID(parsing: fields[3]) else {
                    throw ParseError(line: number, expected: "a characteristic UUID after \(kind)", found: line)
                }
                return uuid
            }
            let event: Event
            switch (direction, kind) {
            case ("link", "up"): event = .linkUp
            case ("link", "down"): event = .linkDown
            case ("device>gateway", "bytes"): event = .bytes(try bytes(from: 3))
            case ("device>gateway", "value"): event = .value(characteristic: try characteristic(), bytes: try bytes(from: 4))
            case ("gateway>device", "command"): event = .command(try bytes(from: 3))
            case ("gateway>device", "write"): event = .write(characteristic: try characteristic(), bytes: try bytes(from: 4))
            default:
                throw ParseError(line: number, expected: "link up|down, device>gateway bytes|value, gateway>device command|write",
                                 found: "\(direction) \(kind)")
            }
            entries.append(Entry(offsetMilliseconds: offset, event: event))
        }
        guard let start else { throw ParseError(line: 1, expected: "a \"# start <ISO 8601 time>\" header line", found: "none") }
        return CaptureTranscript(start: start, entries: entries)
    }
}

extension CaptureTranscript {
    /// A line without surrounding spaces, tabs or a CR (a transcript edited on another system).
    fileprivate static func trimmed(_ line: Substring) -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(line.drop(while: blank).reversed().drop(while: blank).reversed())
    }
}

extension DeviceReader {
    /// A transcript as it was received: link up at `start`, each device event at its recorded offset, a tick every
    /// second between them (as the runners tick), then a tick and link down one second after the last event. What the
    /// gateway sent is not fed (it was the reader's own output). Each step's output with its instant, in order.
    public mutating func replay(_ transcript: CaptureTranscript, from start: Instant) -> [(output: DeviceOutput, at: Instant)] {
        var steps: [(output: DeviceOutput, at: Instant)] = [(handle(.linkUp, at: start), start)]
        var linkUp = true
        var nextTick = start.adding(milliseconds: 1000)
        var last: Int64 = 0
        for entry in transcript.entries {
            guard let input = entry.event.input else { continue }
            let offset = max(last, entry.offsetMilliseconds) // a stepped clock never runs a replay backwards
            last = offset
            let time = start.adding(milliseconds: offset)
            while nextTick <= time {
                steps.append((handle(.tick, at: nextTick), nextTick))
                nextTick = nextTick.adding(milliseconds: 1000)
            }
            switch input {
            case .linkUp where linkUp: continue // the replay opened the link already
            case .linkDown where !linkUp: continue
            case .linkUp: linkUp = true
            case .linkDown: linkUp = false
            default: break
            }
            steps.append((handle(input, at: time), time))
        }
        let finish = start.adding(milliseconds: last + 1000)
        steps.append((handle(.tick, at: finish), finish))
        if linkUp { steps.append((handle(.linkDown, at: finish), finish)) }
        return steps
    }
}

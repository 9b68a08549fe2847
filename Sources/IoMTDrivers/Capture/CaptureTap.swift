import IoMTCore
import Synchronization

/// One device's capture point: while a capture runs it records every input its reader is handed and every command
/// the reader asks to send, with the instant the transport gave (`CapturingReader`). Idle, it costs one atomic load per
/// input. Bounded: past `Limits` it stops recording and says so (`Result.limitReached`); the device is read as usual
/// either way — the tap only copies, it never changes what the reader gets or returns.
public final class CaptureTap: Sendable {
    /// The bound on one capture's memory, in events and in payload bytes (both directions together).
    public struct Limits: Sendable, Hashable {
        public var maxEvents: Int
        public var maxBytes: Int
        public init(maxEvents: Int = Self.default.maxEvents, maxBytes: Int = Self.default.maxBytes) {
            self.maxEvents = maxEvents; self.maxBytes = maxBytes
        }
        /// 5,000 events or 128 KiB: a CMS50 at 60 Hz (about 50 reads a second) for 100 s, a 1 Hz Bluetooth oximeter for over
        /// an hour. Sized so the transcript (at most ~75 characters of text per event plus 3 per byte, 128-bit UUIDs included)
        /// fits the control socket's 1 MiB request bound when the case is replayed (`iomtctl replay`).
        public static let `default` = Limits(maxEvents: 5_000, maxBytes: 128 * 1024)
    }

    public struct Result: Sendable, Hashable {
        public var transcript: CaptureTranscript
        public var endedAt: Instant
        /// The limit stopped the recording before the end (the transcript is the capture's first part).
        public var limitReached: Bool
        /// Events seen after the limit was reached, not recorded.
        public var droppedEvents: Int
        public var limits: Limits
    }

    /// How a running capture is doing.
    public struct Progress: Sendable, Hashable {
        public var startedAt: Instant
        public var events: Int
        public var bytes: Int
        public var limitReached: Bool
    }

    private struct Recording {
        var transcript: CaptureTranscript
        var bytes = 0
        var limitReached = false
        var droppedEvents = 0
        let limits: Limits
    }

    private let recording = Mutex<Recording?>(nil)
    private let active = Atomic<Bool>(false)

    public init() {}

    /// Starts a capture at `time`; false when one is already running on this device (never two at once: the second
    /// would get half the events).
    public func start(at time: Instant, limits: Limits = .default) -> Bool {
        recording.withLock { current in
            guard current == nil else { return false }
            current = Recording(transcript: CaptureTranscript(start: time), limits: limits)
            active.store(true, ordering: .releasing)
            return true
        }
    }

    /// The running capture's counts, or nil when none runs.
    public var progress: Progress? {
        recording.withLock { current in
            current.map { Progress(startedAt: $0.transcript.start, events: $0.transcript.entries.count, bytes: $0.bytes, limitReached: $0.limitReached) }
        }
    }

    /// Ends the running capture and hands over what it recorded (nil when none runs).
    public func finish(at time: Instant) -> Result? {
        recording.withLock { current in
            defer { current = nil; active.store(false, ordering: .releasing) }
            return current.map { Result(transcript: $0.transcript, endedAt: time, limitReached: $0.limitReached, droppedEvents: $0.droppedEvents,
                                        limits: $0.limits) }
        }
    }

    /// Records one reader step: the input, then the commands its output asks to send. Ticks are not recorded (the replay
    /// makes its own), but commands a tick produced (a keep-alive) are.
    public func record(_ input: DeviceInput, output: DeviceOutput, at time: Instant) {
        guard active.load(ordering: .acquiring) else { return }
        var events: [CaptureTranscript.Event] = []
        switch input {
        case .linkUp: events.append(.linkUp)
        case .linkDown: events.append(.linkDown)
        case let .bytes(bytes): events.append(.bytes(bytes))
        case let .value(characteristic, bytes): events.append(.value(characteristic: characteristic, bytes: bytes))
        case .tick: break
        }
        for command in output.commands {
            switch command {
            case let .bytes(bytes): events.append(.command(bytes))
            case let .write(write): events.append(.write(characteristic: write.characteristic, bytes: write.value))
            }
        }
        guard !events.isEmpty else { return }
        recording.withLock { current in
            guard var state = current else { return }
            current = nil // no copy-on-write of the transcript while it is changed
            // Saturating: the clock may step back during a capture; an offset is never negative.
            let offset = max(0, time.milliseconds(since: state.transcript.start))
            for event in events {
                let size = event.payload.count
                if state.limitReached || state.transcript.entries.count >= state.limits.maxEvents || state.bytes > state.limits.maxBytes - size {
                    state.limitReached = true
                    state.droppedEvents += 1
                    continue
                }
                state.bytes += size
                state.transcript.entries.append(CaptureTranscript.Entry(offsetMilliseconds: offset, event: event))
            }
            current = state
        }
    }
}

/// Any reader with a `CaptureTap` on its inputs and outputs: what the daemon's runners drive, so one tap serves every
/// transport (serial, Bluetooth LE, Bluetooth Classic) without knowing which it is.
public struct CapturingReader: DeviceReader {
    public private(set) var inner: any DeviceReader
    public let tap: CaptureTap

    public init(_ inner: any DeviceReader, tap: CaptureTap) { self.inner = inner; self.tap = tap }

    public var needs: DeviceNeeds { inner.needs }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        let output = inner.handle(input, at: time)
        tap.record(input, output: output, at: time)
        return output
    }

    public mutating func resume(from mark: DeviceRecordMark?) { inner.resume(from: mark) }
    public var subDevices: [String] { inner.subDevices }
    public var homePatientSubDevice: String? { inner.homePatientSubDevice }
    public mutating func resume(subDeviceMarks marks: [String: DeviceRecordMark]) { inner.resume(subDeviceMarks: marks) }
}

import Dispatch
import Glibc
import IoMTCore
import IoMTProfiles
import IoMTSystem
import Synchronization

/// What a connection reports, in order: `.opened`, data chunks, `.closed`, and again after a reconnect.
public enum SerialEvent: Sendable, Equatable {
    case opened(path: String)
    case data([UInt8], at: Instant)
    case closed(CloseReason)
    /// `chunks()` only: the consumer fell behind its bounded buffer and this many events (data chunks, perhaps an
    /// `.opened`/`.closed`) were refused since the last report. Bytes are missing here: restart the framer (a driver
    /// session's `finish` then `start`) rather than splice the next chunk onto a torn frame.
    case overrun(lostEvents: Int)
}

public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
    /// The device went away (hang-up, EIO/ENXIO/ENODEV); a reconnect is scheduled.
    case unplugged(String)
    /// The device could not be opened (absent, busy, I/O error); a retry is scheduled.
    case unavailable(String)
    /// A configuration error that retrying cannot fix (e.g. unsupported baud rate); the connection ends.
    case failed(String)
    /// `stop()` was called; the connection ends.
    case stopped

    public var description: String {
        switch self {
        case .unplugged(let detail): return "unplugged: \(detail)"
        case .unavailable(let detail): return "unavailable: \(detail)"
        case .failed(let detail): return "failed: \(detail)"
        case .stopped: return "stopped"
        }
    }
}

/// Owns one serial device by path: opens it, delivers what it sends, and reopens it with
/// exponential backoff after an unplug or while the path does not exist yet.
///
/// Opening and backoff run on the connection's own thread; while the port is open, the shared
/// `SerialReactor` reads it (one thread for all ports) and this thread sleeps until the device goes
/// away or `stop()` is called. Neither blocks the cooperative pool.
public final class SerialConnection: Sendable {
    public let path: String
    public let settings: SerialSettings
    private let backoff: Backoff
    private let clock: any WallClock
    private let pollTimeoutMilliseconds: Int32
    private let state: Mutex<State>
    static let stableSessionNanoseconds: UInt64 = 5_000_000_000

    private struct State {
        var port: SerialPort?
        var stopRequested = false
        /// Signalled by `stop()` to end a pump waiting for the reactor.
        var wakePump: DispatchSemaphore?
        var started = false
        var random: SeededRandom
        /// The bounded buffer of `chunks()`, for `lostEvents`.
        var chunkSink: BoundedStreamSink<SerialEvent>?
    }

    /// Events a `chunks()` consumer may leave waiting: a read is at most 4 KiB, so at most about 4 MiB. Past it,
    /// newer events are refused, counted (`lostEvents`, logged) and reported in order by `.overrun`.
    public static let defaultChunkBuffer = 1024

    /// Events `chunks()` could not buffer since the start (0 with `start(onEvent:)`, which buffers nothing).
    public var lostEvents: Int { state.withLock { $0.chunkSink }?.lost ?? 0 }

    public init(path: String, settings: SerialSettings, backoff: Backoff = Backoff(), clock: any WallClock = SystemClock(),
                jitterSeed: UInt64 = UInt64(truncatingIfNeeded: monotonicNanoseconds()), pollTimeoutMilliseconds: Int32 = 100) {
        self.path = path; self.settings = settings; self.backoff = backoff; self.clock = clock
        self.pollTimeoutMilliseconds = pollTimeoutMilliseconds
        self.state = Mutex(State(random: SeededRandom(seed: jitterSeed)))
    }

    /// Starts the connection and returns its event stream, buffering at most `buffer` events for a slow consumer
    /// (device data is never dropped silently: see `SerialEvent.overrun`). Call once; a second call returns a
    /// finished stream.
    public func chunks(buffer: Int = SerialConnection.defaultChunkBuffer) -> AsyncStream<SerialEvent> {
        let (stream, sink) = BoundedStreamSink<SerialEvent>.make(name: "serial \(path)", capacity: buffer, policy: .refuseNewestAndMark,
                                                                 lossMarker: { .overrun(lostEvents: $0) })
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            if !state.started { state.chunkSink = sink }
            return state.started
        }
        if alreadyStarted {
            sink.finish()
            return stream
        }
        // A consumer that stops listening stops the connection (and its thread).
        sink.onTermination = { [self] _ in stop() }
        DedicatedThread.start { [self] in
            run(emit: { sink.yield($0) })
            sink.finish()
        }
        return stream
    }

    /// Starts the connection and calls `handler` on the connection's own reader thread for every
    /// event, in order. For consumers whose per-chunk work is cheap and synchronous (a driver's
    /// framer): they hop into async code only when a chunk completes a reading, so a 60 Hz device
    /// costs one thread wake per chunk instead of two. Call once (shares the guard of `chunks()`).
    public func start(onEvent handler: @escaping @Sendable (SerialEvent) -> Void) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        DedicatedThread.start { [self] in
            run(emit: handler)
        }
    }

    /// Sends bytes to the device. Throws `.closed` while disconnected (the caller decides whether to queue).
    public func send(_ bytes: [UInt8]) throws(SerialError) {
        guard let port = state.withLock({ $0.port }) else { throw .closed(path: path) }
        try port.write(bytes)
    }

    public var isConnected: Bool { state.withLock { $0.port != nil } }

    /// Stops reading and closes the device; the stream ends with `.closed(.stopped)`.
    public func stop() {
        state.withLock { state in
            state.stopRequested = true
            state.wakePump?.signal()
        }
    }

    private var stopRequested: Bool { state.withLock { $0.stopRequested } }

    private func nextDelay(attempt: Int) -> Int64 {
        state.withLock { state in backoff.delay(attempt: attempt, using: &state.random) }
    }

    private func run(emit: @escaping @Sendable (SerialEvent) -> Void) {
        var attempt = 0
        var lastReported: CloseReason? = nil
        func report(_ reason: CloseReason) {
            // Report state changes, not every failed retry of the same kind.
            if reason != lastReported { emit(.closed(reason)) }
            lastReported = reason
        }
        while !stopRequested {
            let port: SerialPort
            do {
                port = try SerialPort.open(path: path, settings: settings)
            } catch {
                guard error.isTransient else {
                    emit(.closed(.failed(error.description)))
                    return
                }
                report(.unavailable(error.description))
                sleepInterruptibly(milliseconds: nextDelay(attempt: attempt)) { stopRequested }
                attempt += 1
                continue
            }
            state.withLock { $0.port = port }
            emit(.opened(path: path))
            lastReported = nil
            let openedAt = monotonicNanoseconds()
            let reason = pump(port, emit: emit)
            state.withLock { $0.port = nil }
            port.close()
            // Start the backoff over only after a stable session, so a flapping device (opens, then
            // hangs up at once) still backs off instead of being reopened every 250 ms.
            if monotonicNanoseconds() - openedAt >= SerialConnection.stableSessionNanoseconds { attempt = 0 }
            guard let reason else { break }
            report(reason)
            sleepInterruptibly(milliseconds: nextDelay(attempt: attempt)) { stopRequested }
            attempt += 1
        }
        emit(.closed(.stopped))
    }

    /// Hands the port to the shared reactor and waits until the device goes away (returns why) or
    /// stop is requested (returns nil). The reactor reads and emits data; this thread just sleeps.
    private func pump(_ port: SerialPort, emit: @escaping @Sendable (SerialEvent) -> Void) -> CloseReason? {
        let finished = DispatchSemaphore(value: 0)
        let outcome = PumpOutcome()
        let stopAlready = state.withLock { state in
            state.wakePump = finished
            return state.stopRequested
        }
        if stopAlready {
            state.withLock { $0.wakePump = nil }
            return nil
        }
        let clock = self.clock
        SerialReactor.shared.register(port) { event in
            switch event {
            case let .data(bytes): emit(.data(bytes, at: clock.now()))
            case let .closed(reason):
                outcome.reason.withLock { $0 = reason }
                finished.signal()
            }
        }
        finished.wait()
        SerialReactor.shared.unregister(port)
        state.withLock { $0.wakePump = nil }
        return outcome.reason.withLock { $0 }
    }
}

/// Why a pump ended, written by the reactor thread and read by the connection's thread.
private final class PumpOutcome: Sendable {
    let reason = Mutex<CloseReason?>(nil)
}

import Glibc
import IoMTCore
import IoMTSystem
import Synchronization

/// One thread that waits on every open serial port with poll() and reads whatever is ready.
///
/// A thread per port woke once per frame: 16 oximeters at 60 Hz cost 960 context switches a second.
/// Here ports that stream (data again within `streamingGapNanoseconds` of the last read, e.g. a 60 Hz
/// oximeter) are read together on a common tick every `streamingTickNanoseconds`, so one wake serves
/// them all; a port that sends now and then (a 1 Hz monitor, a cuff's single result) is read the
/// moment its data arrives. Streaming readings are aggregated over a second by their drivers, so the
/// tick adds at most one tick to a reading's latency and nothing to a sporadic device's.
final class SerialReactor: Sendable {
    static let shared = SerialReactor(streamingTickNanoseconds: 20_000_000, streamingGapNanoseconds: 50_000_000)

    enum Event: Sendable {
        case data([UInt8])
        case closed(CloseReason)
    }

    private struct Registration {
        let port: SerialPort
        let handler: @Sendable (Event) -> Void
        /// When data was last read; ports read again within the streaming gap are streaming.
        var lastDataAt: UInt64 = 0
    }

    private struct State {
        var registrations: [Int32: Registration] = [:]
        /// Incremented at the end of every pass, so `unregister` can wait for a pass in flight.
        var completedPasses: UInt64 = 0
        var inPass = false
        var thread: pthread_t? = nil
    }

    /// Self-pipe: a byte written to `wakeWrite` makes the reactor re-read its registrations.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let streamingTickNanoseconds: UInt64
    private let streamingGapNanoseconds: UInt64
    private let state = Mutex(State())

    init(streamingTickNanoseconds: UInt64, streamingGapNanoseconds: UInt64) {
        self.streamingTickNanoseconds = streamingTickNanoseconds
        self.streamingGapNanoseconds = streamingGapNanoseconds
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed: \(Errno.text(errno))")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        DedicatedThread.start { [self] in loop() }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    /// Starts delivering the port's data and its hang-up to `handler`, on the reactor thread.
    func register(_ port: SerialPort, handler: @escaping @Sendable (Event) -> Void) {
        let fd = port.fileDescriptor
        state.withLock { $0.registrations[fd] = Registration(port: port, handler: handler) }
        wake()
    }

    /// Stops delivery for the port. When it returns, its handler is not running and never runs again.
    func unregister(_ port: SerialPort) {
        let fd = port.fileDescriptor
        guard fd >= 0 else { return }
        defer { wake() }
        let (passInFlight, reactorThread): (UInt64?, pthread_t?) = state.withLock { state in
            state.registrations.removeValue(forKey: fd)
            return (state.inPass ? state.completedPasses : nil, state.thread)
        }
        guard let passInFlight else { return }
        // Called from a handler on the reactor thread itself? Then the pass cannot end while we wait.
        if let reactorThread, pthread_equal(reactorThread, pthread_self()) != 0 { return }
        while state.withLock({ $0.inPass && $0.completedPasses == passInFlight }) { usleep(200) }
    }

    private func loop() {
        state.withLock { $0.thread = pthread_self() }
        var nextStreamingTick: UInt64 = 0
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            let now = monotonicNanoseconds()
            let tickDue = now >= nextStreamingTick
            let registrations = state.withLock { $0.registrations }
            var streamingWaiting = false
            var watched: [Int32] = []
            for (fd, registration) in registrations {
                let streaming = now &- registration.lastDataAt < streamingGapNanoseconds
                if streaming && !tickDue { streamingWaiting = true } else { watched.append(fd) }
            }
            var pollSet = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            pollSet += watched.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let timeout: Int32 = streamingWaiting ? Int32(max(1, (nextStreamingTick &- now) / 1_000_000)) : -1
            let count = poll(&pollSet, nfds_t(pollSet.count), timeout)
            if count < 0 {
                if errno == EINTR { continue }
                Log.error("serial reactor: poll failed: \(Errno.text(errno))", "serial")
                usleep(100_000)
                continue
            }
            if pollSet[0].revents != 0 {
                while drain.withUnsafeMutableBytes({ Glibc.read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
            }
            let ready = zip(watched, pollSet.dropFirst()).filter { $0.1.revents != 0 }.map(\.0)
            if tickDue { nextStreamingTick = monotonicNanoseconds() + streamingTickNanoseconds }
            guard !ready.isEmpty else { continue }
            state.withLock { $0.inPass = true }
            for fd in ready {
                guard let registration = state.withLock({ $0.registrations[fd] }) else { continue }
                if service(registration) {
                    let readAt = monotonicNanoseconds()
                    state.withLock { $0.registrations[fd]?.lastDataAt = readAt }
                }
            }
            state.withLock { state in
                state.inPass = false
                state.completedPasses &+= 1
            }
        }
    }

    /// Reads until the port has nothing more; reports a hang-up once and stops watching the port.
    /// Returns whether any data was read.
    @discardableResult
    private func service(_ registration: Registration) -> Bool {
        var reads = 0
        var gotData = false
        while reads < 16 {
            reads += 1
            let result: ReadResult
            do { result = try registration.port.read(max: 4096) } catch {
                drop(registration)
                switch error {
                case .unplugged(_, let detail): registration.handler(.closed(.unplugged(detail)))
                default: registration.handler(.closed(.unavailable(error.description)))
                }
                return gotData
            }
            switch result {
            case let .bytes(bytes):
                gotData = true
                registration.handler(.data(bytes))
            case .wouldBlock: return gotData
            case let .hangup(detail):
                drop(registration)
                registration.handler(.closed(.unplugged(detail)))
                return gotData
            }
        }
        return gotData
    }

    private func drop(_ registration: Registration) {
        let fd = registration.port.fileDescriptor
        state.withLock { _ = $0.registrations.removeValue(forKey: fd) }
    }
}

import Glibc
import IoMTCore
import IoMTSystem
import Synchronization

/// One connected RFCOMM socket (Bluetooth Classic SPP), as bluetoothd hands it to `Profile1.NewConnection`: bytes in,
/// bytes out, with the events a `SerialConnection` reports, so a serial driver reads it unchanged. Unlike a serial port
/// it is not reopened: the device pages the gateway again and BlueZ hands over a new socket, a new `RFCOMMStream`.
///
/// The stream owns the descriptor from `init` on and closes it exactly once, on every path: end of stream, a read
/// error, `stop`, or — never started — when the stream is released.
public final class RFCOMMStream: Sendable {
    /// Names the stream in events and errors (e.g. "bluetooth 00:1C:05:00:00:01").
    public let label: String
    private let clock: any WallClock
    /// Self-pipe: a byte written to `wakeWrite` by `stop` wakes the reader's poll on `wakeRead`.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let state: Mutex<State>

    private struct State {
        /// The socket while it is open; nil once closed.
        var descriptor: Int32?
        var started = false
        /// Why `stop` asked the stream to end.
        var stopReason: CloseReason?
    }

    public init(descriptor: Int32, label: String, clock: any WallClock = SystemClock()) {
        self.label = label
        self.clock = clock
        // Non-blocking: a write the link cannot take now must not hang the writer (see `send`).
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        (wakeRead, wakeWrite) = (ends[0], ends[1])
        state = Mutex(State(descriptor: descriptor))
    }

    deinit {
        if let descriptor = state.withLock({ $0.descriptor }) { close(descriptor) }
        for end in [wakeRead, wakeWrite] where end >= 0 { close(end) }
    }

    /// Whether the socket is still open.
    public var isOpen: Bool { state.withLock { $0.descriptor != nil } }

    /// Starts reading on a dedicated thread and calls `handler` there for every event, in order: `.opened`, data,
    /// then one `.closed` (`.unplugged` at end of stream or on a link error, the `stop` reason otherwise). Call once.
    public func start(onEvent handler: @escaping @Sendable (SerialEvent) -> Void) {
        let isFirstStart = state.withLock { state -> Bool in
            if state.started { return false }
            state.started = true
            return true
        }
        guard isFirstStart else { return }
        DedicatedThread.start { [self] in
            let reason = pump(handler)
            closeDescriptor()
            handler(.closed(reason))
        }
    }

    /// Ends the stream: a running reader reports `.closed(reason)` and closes the socket; a stream not started yet
    /// closes it at once. Idempotent.
    public func stop(_ reason: CloseReason = .stopped) {
        let closeNow = state.withLock { state -> Bool in
            guard state.descriptor != nil, state.stopReason == nil else { return false }
            state.stopReason = reason
            return !state.started
        }
        if closeNow { closeDescriptor() } else { var byte: UInt8 = 1; _ = write(wakeWrite, &byte, 1) }
    }

    /// Writes a driver's command. Throws `.closed` once the stream has ended; a link that takes nothing for a second
    /// fails the write (the caller logs it; the driver asks again).
    public func send(_ bytes: [UInt8]) throws(SerialError) {
        // Under the lock: the descriptor cannot be closed (and its number reused) while it is written.
        let failure: SerialError? = state.withLock { state in
            guard let descriptor = state.descriptor else { return .closed(path: label) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written > 0 { offset += written; continue }
                let code = errno
                if written < 0 && code == EINTR { continue }
                if written < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                    var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    if poll(&entry, 1, 1_000) > 0 { continue }
                    return .system(path: label, operation: "write (the link took nothing for 1 s)", errno: code)
                }
                return SerialError.from(errno: code, path: label, operation: "write")
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads until end of stream, a read error, or `stop`; returns why it ended.
    private func pump(_ handler: @Sendable (SerialEvent) -> Void) -> CloseReason {
        guard let descriptor = state.withLock({ $0.stopReason == nil ? $0.descriptor : nil }) else {
            return state.withLock { $0.stopReason } ?? .stopped
        }
        handler(.opened(path: label))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var entries = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            // Without the pipe (out of descriptors at init) `stop` is noticed within 200 ms.
            if poll(&entries, 2, wakeRead >= 0 ? -1 : 200) < 0 {
                if errno == EINTR { continue }
                return .unplugged("poll: \(Errno.text(errno))")
            }
            if let reason = state.withLock({ $0.stopReason }) { return reason }
            guard entries[0].revents != 0 else { continue }
            // POLLHUP/POLLERR are read too: the read says end of stream or the link error (ECONNRESET, EHOSTDOWN, …).
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                handler(.data(Array(buffer.prefix(count)), at: clock.now()))
            } else if count == 0 {
                return .unplugged("end of stream: the device closed the link")
            } else if errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK {
                return .unplugged("read: \(Errno.text(errno))")
            } else if entries[0].revents & Int16(POLLHUP | POLLERR) != 0 {
                // An RFCOMM socket whose link closed after a write took its error (ECONNRESET) polls HUP for ever while
                // a non-blocking read says EAGAIN (the kernel sets no receive shutdown): seen in the lab when a device
                // refused a connection. Without this the stream stayed "open", spinning, and the device was never
                // connected again.
                return .unplugged("the link closed (poll: hang-up without end of stream)")
            }
        }
    }

    private func closeDescriptor() {
        state.withLock { state in
            if let descriptor = state.descriptor { close(descriptor) }
            state.descriptor = nil
        }
    }
}

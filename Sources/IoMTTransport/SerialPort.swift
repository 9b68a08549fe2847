import Glibc
import IoMTProfiles
import IoMTSystem
import Synchronization

/// The outcome of one non-blocking read.
public enum ReadResult: Sendable, Equatable {
    case bytes([UInt8])
    case wouldBlock
    /// The device went away (POLLHUP/POLLERR, EIO/ENXIO/ENODEV, or EOF on a tty).
    case hangup(String)
}

/// An open serial device in raw mode, owned exclusively (TIOCEXCL plus an flock, because
/// TIOCEXCL does not stop processes holding CAP_SYS_ADMIN, such as a root daemon's peers).
///
/// All operations on the descriptor are serialised by a lock, so `close()` can never race a
/// read or write into a recycled descriptor number.
public final class SerialPort: Sendable {
    public let path: String
    public let settings: SerialSettings
    private let descriptor: Mutex<Int32>

    private init(path: String, settings: SerialSettings, fd: Int32) {
        self.path = path; self.settings = settings; self.descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { fd in if fd >= 0 { _ = Glibc.close(fd); fd = -1 } } }

    /// Opens `path` (a device node or a symlink to one) and applies `settings`.
    public static func open(path: String, settings: SerialSettings) throws(SerialError) -> SerialPort {
        // Validate before touching the device, so a bad profile fails the same way whether or not it is plugged in.
        var probe = termios()
        try TermiosConfiguration.apply(settings, to: &probe, path: path)

        let fd = Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw SerialError.from(errno: errno, path: path, operation: "open") }
        func fail(_ operation: String, _ code: Int32) -> SerialError {
            _ = Glibc.close(fd)
            return SerialError.from(errno: code, path: path, operation: operation)
        }
        guard isatty(fd) == 1 else {
            _ = Glibc.close(fd)
            throw .system(path: path, operation: "isatty (not a terminal device)", errno: ENOTTY)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = Glibc.close(fd)
            throw code == EWOULDBLOCK ? .busy(path: path) : .from(errno: code, path: path, operation: "flock")
        }
        if ioctl(fd, UInt(TIOCEXCL)) != 0 { throw fail("ioctl(TIOCEXCL)", errno) }

        var options = termios()
        if tcgetattr(fd, &options) != 0 { throw fail("tcgetattr", errno) }
        do throws(SerialError) { try TermiosConfiguration.apply(settings, to: &options, path: path) } catch { _ = Glibc.close(fd); throw error }
        if tcsetattr(fd, TCSANOW, &options) != 0 {
            let code = errno
            // EINVAL from a terminal that already holds exactly these settings (a pty after a daemon restart): go on.
            guard code == EINVAL, TermiosVerification.holds(options, fd: fd) else { throw fail("tcsetattr", code) }
        }
        // Drop whatever the device sent before we were listening (stale frames, boot noise).
        if tcflush(fd, TCIOFLUSH) != 0 { throw fail("tcflush", errno) }
        return SerialPort(path: path, settings: settings, fd: fd)
    }

    public var isOpen: Bool { descriptor.withLock { $0 >= 0 } }

    /// The raw descriptor, for `poll()` by the owner; -1 once closed.
    public var fileDescriptor: Int32 { descriptor.withLock { $0 } }

    /// Reads what is available without blocking.
    ///
    /// With VMIN=0/VTIME=0 Linux returns 0 both for "no data" and after a hang-up, so readiness is
    /// checked with poll() first: 0 bytes from a readable tty means the other side is gone.
    public func read(max: Int = 4096) throws(SerialError) -> ReadResult {
        let outcome: Result<ReadResult, SerialError> = descriptor.withLock { fd in
            guard fd >= 0 else { return .failure(.closed(path: path)) }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, 0)
            if ready < 0 { return errno == EINTR ? .success(.wouldBlock) : .failure(.from(errno: errno, path: path, operation: "poll")) }
            let events = Int32(entry.revents)
            if events & Int32(POLLNVAL) != 0 { return .failure(.closed(path: path)) }
            guard events & Int32(POLLIN | POLLHUP | POLLERR) != 0 else { return .success(.wouldBlock) }
            var buffer = [UInt8](repeating: 0, count: Swift.max(1, max))
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return .success(.bytes(Array(buffer[0..<count]))) }
            if count == 0 {
                if events & Int32(POLLHUP | POLLERR) != 0 || events & Int32(POLLIN) != 0 {
                    return .success(.hangup(SerialPort.describe(events)))
                }
                return .success(.wouldBlock)
            }
            let code = errno
            switch code {
            case EAGAIN, EINTR: return .success(.wouldBlock)
            case EIO, ENXIO, ENODEV: return .success(.hangup("read: \(Errno.text(code))"))
            default: return .failure(.from(errno: code, path: path, operation: "read"))
            }
        }
        return try outcome.get()
    }

    /// Writes all of `bytes`, waiting (up to `timeoutMilliseconds` per stall) when the driver's
    /// buffer is full. Partial writes are continued.
    public func write(_ bytes: [UInt8], timeoutMilliseconds: Int32 = 2000) throws(SerialError) {
        let outcome: SerialError? = descriptor.withLock { fd in
            guard fd >= 0 else { return .closed(path: path) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written > 0 { offset += written; continue }
                let code = errno
                if written < 0, code == EINTR { continue }
                if written < 0, code == EAGAIN {
                    var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    let ready = poll(&entry, 1, timeoutMilliseconds)
                    if ready == 0 {
                        return .system(path: path, operation: "write (no progress for \(timeoutMilliseconds) ms; flow control stuck?)", errno: ETIMEDOUT)
                    }
                    if ready > 0, Int32(entry.revents) & Int32(POLLHUP | POLLERR) != 0 {
                        return .unplugged(path: path, detail: "write: \(SerialPort.describe(Int32(entry.revents)))")
                    }
                    continue
                }
                return .from(errno: written == 0 ? EIO : code, path: path, operation: "write")
            }
            return nil
        }
        if let outcome { throw outcome }
    }

    /// Waits up to `timeoutMilliseconds` for input or a hang-up. Call only from the thread that owns
    /// closing the port. Returns false on timeout.
    public func waitReadable(timeoutMilliseconds: Int32) -> Bool {
        let fd = fileDescriptor
        guard fd >= 0 else { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, timeoutMilliseconds) != 0
    }

    /// The termios currently in force, for diagnostics and tests.
    public func currentAttributes() throws(SerialError) -> termios {
        let outcome: Result<termios, SerialError> = descriptor.withLock { fd in
            var options = termios()
            guard fd >= 0 else { return .failure(.closed(path: path)) }
            return tcgetattr(fd, &options) == 0 ? .success(options) : .failure(.from(errno: errno, path: path, operation: "tcgetattr"))
        }
        return try outcome.get()
    }

    public func close() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd); fd = -1 }
        }
    }

    static func describe(_ events: Int32) -> String {
        var parts: [String] = []
        if events & Int32(POLLHUP) != 0 { parts.append("POLLHUP") }
        if events & Int32(POLLERR) != 0 { parts.append("POLLERR") }
        if parts.isEmpty { parts.append("end of file") }
        return "hang-up (" + parts.joined(separator: "|") + ")"
    }
}

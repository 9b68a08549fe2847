import Glibc
import IoMTSystem

/// The sd_notify protocol, written by hand (no libsystemd): newline-separated `KEY=VALUE` lines in
/// one datagram to the AF_UNIX socket named by `$NOTIFY_SOCKET` (a leading `@` means the Linux
/// abstract namespace). See sd_notify(3) and systemd.service(5) `Type=notify`, `WatchdogSec=`.
///
/// Named apart from IoMTDaemon's untested `SystemdNotifier` so both can coexist until the daemon
/// switches to this one (errors reported instead of swallowed, STATUS kept to one line).
public struct SystemdNotifySocket: Sendable {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let socketPath: String
        public let operation: String
        public let errno: Int32
        public var description: String {
            "sd_notify to \(socketPath): \(operation) failed: \(Errno.text(errno)); is the service manager still running?"
        }
    }

    /// nil when not started by systemd with `Type=notify` (then every call is a no-op).
    public let socketPath: String?

    public init(socketPath: String?) {
        self.socketPath = (socketPath?.isEmpty ?? true) ? nil : socketPath
    }

    /// Reads `$NOTIFY_SOCKET`.
    public static func fromEnvironment() -> SystemdNotifySocket {
        SystemdNotifySocket(socketPath: getenv("NOTIFY_SOCKET").map { String(cString: $0) })
    }

    public var isEnabled: Bool { socketPath != nil }

    public func ready(status: String? = nil) throws(Failure) { try send(["READY=1"] + (status.map { ["STATUS=" + Self.singleLine($0)] } ?? [])) }
    public func status(_ text: String) throws(Failure) { try send(["STATUS=" + Self.singleLine(text)]) }
    public func watchdog() throws(Failure) { try send(["WATCHDOG=1"]) }
    public func stopping() throws(Failure) { try send(["STOPPING=1"]) }

    /// Sends the assignments in one datagram. Returns false (and sends nothing) when not under systemd.
    @discardableResult
    public func send(_ assignments: [String]) throws(Failure) -> Bool {
        guard let socketPath else { return false }
        let message = Array(assignments.joined(separator: "\n").utf8)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A filesystem path needs its terminating NUL to fit; an abstract name is length-delimited.
        guard pathBytes.count + (abstract ? 0 : 1) <= capacity else {
            throw Failure(socketPath: socketPath, operation: "address (longer than \(capacity) bytes)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count + (abstract ? 0 : 1))

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw Failure(socketPath: socketPath, operation: "socket", errno: errno) }
        defer { close(fd) }
        let sent = message.withUnsafeBytes { body in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), $0, length) }
            }
        }
        if sent < 0 { throw Failure(socketPath: socketPath, operation: "sendto", errno: errno) }
        return true
    }

    /// STATUS= is one line of the datagram; a newline would start a new (bogus) assignment.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}

/// The watchdog interval systemd expects pings within (`WatchdogSec=` → `$WATCHDOG_USEC`).
public struct SystemdWatchdog: Sendable, Equatable {
    public let intervalMicroseconds: UInt64

    /// Ping at half the interval, as sd_watchdog_enabled(3) recommends, leaving room for scheduling delays.
    public var pingIntervalMicroseconds: UInt64 { intervalMicroseconds / 2 }

    /// nil when the watchdog is off: variable unset, not a positive integer, or `WATCHDOG_PID`
    /// names another process (the variables were inherited by a child).
    public static func parse(watchdogUsec: String?, watchdogPid: String?, ownPid: Int32 = getpid()) -> SystemdWatchdog? {
        guard let watchdogUsec, let interval = UInt64(watchdogUsec), interval > 0 else { return nil }
        if let watchdogPid, !watchdogPid.isEmpty {
            guard let pid = Int32(watchdogPid), pid == ownPid else { return nil }
        }
        return SystemdWatchdog(intervalMicroseconds: interval)
    }

    public static func fromEnvironment() -> SystemdWatchdog? {
        parse(watchdogUsec: getenv("WATCHDOG_USEC").map { String(cString: $0) },
              watchdogPid: getenv("WATCHDOG_PID").map { String(cString: $0) })
    }

    public init(intervalMicroseconds: UInt64) { self.intervalMicroseconds = intervalMicroseconds }
}

import Glibc
import IoMTCore
import IoMTTransport
import Testing

/// A datagram socket standing in for systemd's notify socket.
private final class NotifySocket {
    let fd: Int32
    let name: String

    /// `name` is a filesystem path, or `@abstract-name`.
    init(name: String) throws {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(2 + bytes.count + (abstract ? 0 : 1))
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        try #require(result == 0, "bind \(name): errno \(errno)")
    }

    deinit { close(fd) }

    /// The next datagram, waiting up to 5 s.
    func receive() -> String? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 5000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count >= 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
    }
}

@Suite struct SystemdNotifyTests {
    @Test func sendsReadyStatusWatchdogAndStoppingToAFilesystemSocket() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let listener = try NotifySocket(name: directory + "/notify")
        let notifier = SystemdNotifySocket(socketPath: listener.name)
        #expect(notifier.isEnabled)

        try notifier.ready(status: "2 devices\nconnected")
        #expect(listener.receive() == "READY=1\nSTATUS=2 devices connected")
        try notifier.status("forwarding 12 observations")
        #expect(listener.receive() == "STATUS=forwarding 12 observations")
        try notifier.watchdog()
        #expect(listener.receive() == "WATCHDOG=1")
        try notifier.stopping()
        #expect(listener.receive() == "STOPPING=1")
    }

    @Test func reachesAnAbstractNamespaceSocket() throws {
        let name = "@iomt-notify-test-\(getpid())-\(monotonicNanoseconds())"
        let listener = try NotifySocket(name: name)
        try SystemdNotifySocket(socketPath: name).ready()
        #expect(listener.receive() == "READY=1")
    }

    @Test func isANoOpWithoutNotifySocket() throws {
        let notifier = SystemdNotifySocket(socketPath: nil)
        #expect(!notifier.isEnabled)
        #expect(try notifier.send(["READY=1"]) == false)
        #expect(SystemdNotifySocket(socketPath: "").isEnabled == false)
    }

    @Test func missingSocketIsAnErrorNamingThePath() {
        #expect {
            try SystemdNotifySocket(socketPath: "/tmp/iomt-no-such-notify-socket").ready()
        } throws: { error in
            (error as? SystemdNotifySocket.Failure)?.description.contains("/tmp/iomt-no-such-notify-socket") == true
        }
    }

    @Test func watchdogIntervalParsing() {
        #expect(SystemdWatchdog.parse(watchdogUsec: "30000000", watchdogPid: nil)?.intervalMicroseconds == 30_000_000)
        #expect(SystemdWatchdog.parse(watchdogUsec: "30000000", watchdogPid: nil)?.pingIntervalMicroseconds == 15_000_000)
        #expect(SystemdWatchdog.parse(watchdogUsec: "5000000", watchdogPid: "42", ownPid: 42) != nil)
        #expect(SystemdWatchdog.parse(watchdogUsec: "5000000", watchdogPid: "43", ownPid: 42) == nil)
        #expect(SystemdWatchdog.parse(watchdogUsec: nil, watchdogPid: nil) == nil)
        #expect(SystemdWatchdog.parse(watchdogUsec: "0", watchdogPid: nil) == nil)
        #expect(SystemdWatchdog.parse(watchdogUsec: "-5", watchdogPid: nil) == nil)
        #expect(SystemdWatchdog.parse(watchdogUsec: "30s", watchdogPid: nil) == nil)
    }
}

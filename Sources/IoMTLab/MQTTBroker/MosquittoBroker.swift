import Foundation
import Glibc
import IoMTSystem
import Synchronization

/// Debian's real mosquitto broker as a test peer: its own process on a free loopback port, a generated
/// configuration with persistence on, all state in a temporary directory. `restart` stops it the way a
/// service manager does (SIGTERM: mosquitto writes its persistence file on the way out) and starts it again
/// on the same port; `kill` is SIGKILL (what survives then is only what the last autosave wrote). Starting and stopping
/// wait on a thread of their own (`LabChildProcess.offThePool`): a test blocked for the seconds a loaded machine takes
/// would hold one of the cooperative pool's 2 threads and stall every other test of a parallel pass.
///
/// Persistence is saved after every change (`autosave_on_changes`, interval 1): a subscription or a message
/// queued for an offline subscriber is on disk at the end of the broker's loop turn that took it. A message for
/// a connected subscriber is written to that subscriber's socket before the publisher's PUBACK
/// (src/handle_publish.c), so a SIGKILL loses nothing a publisher saw acknowledged, except a message queued for
/// an offline subscriber in the instant between its PUBACK and the end of that loop turn.
/// Publishing to `<anything>/refused/#` is denied by ACL: an MQTT 5 publisher gets a PUBACK with reason 0x87.
///
/// Subscribers whose session must survive a restart log in as `subscriberUsername`, which has its own ACL entry,
/// as a provider's collectors do. mosquitto (2.0.11, unchanged up to 2.0.20) re-attaches ACLs at start only to
/// restored sessions that carry a username (src/mosquitto.c); an anonymous session restored from the persistence
/// file has none until its client reconnects, so with an `acl_file` every message routed to it meanwhile is
/// denied without a log line while the publisher gets PUBACK "success" (issue 17, docs/mqtt-uplink.md).
public final class MosquittoBroker: @unchecked Sendable {
    /// The login of the lab's persistent subscribers (`BrokerRecorder`); no password file: mosquitto accepts it.
    public static let subscriberUsername = "iomt-lab-subscriber"

    public static let executable = "/usr/sbin/mosquitto"
    /// Whether Debian's mosquitto is installed (apt: mosquitto; scripts/setup.sh installs it).
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    public let port: UInt16
    public let directory: URL
    /// Spawned with an empty signal mask (LabChildProcess): a child of a test-runner thread would otherwise
    /// inherit SIGTERM blocked, and mosquitto — which never resets its mask — would ignore `restart` forever.
    private let process = Mutex<LabChildProcess?>(nil)

    /// `receiveMaximum`: the Receive Maximum announced in CONNACK (mosquitto's `max_inflight_messages`).
    public init(receiveMaximum: Int? = nil) async throws {
        guard Self.isInstalled else { throw BrokerError("mosquitto is not installed at \(Self.executable) (run scripts/setup.sh, or apt-get install mosquitto)") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        // Started as root, mosquitto switches to the `user` it is told (default "mosquitto", who cannot write here).
        let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        let configuration = """
        user \(user)
        listener \(port) 127.0.0.1
        allow_anonymous true
        persistence true
        persistence_location \(directory.path)/
        autosave_on_changes true
        autosave_interval 1
        max_queued_messages 0
        acl_file \(directory.path)/acl
        \(receiveMaximum.map { "max_inflight_messages \($0)" } ?? "")
        log_dest file \(directory.path)/mosquitto.log
        log_type error
        log_type warning
        log_type notice

        """
        try configuration.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        // mosquitto checks `deny` entries first (src/security_default.c), so …/refused/# is denied despite `#`. The
        // lines before any `user` are for anonymous clients; the subscribers' user has its own entry (see above).
        let refused = "topic deny +/refused/#\ntopic deny +/+/refused/#\ntopic deny +/+/+/refused/#\n"
        try ("topic readwrite #\n" + refused + "user \(Self.subscriberUsername)\ntopic readwrite #\n" + refused)
            .write(to: directory.appendingPathComponent("acl"), atomically: true, encoding: .utf8)
        try await start()
    }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// mosquitto's own log (errors, warnings, notices), for a failing test's message.
    public var log: String { (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? "" }

    public func start() async throws {
        try await LabChildProcess.offThePool { Result { try self.startBlocking() } }.get()
    }

    /// SIGTERM, wait for the exit (persistence written), start again on the same port.
    public func restart() async throws {
        try await LabChildProcess.offThePool { Result { try self.restartBlocking() } }.get()
    }

    /// `restart` on the calling thread: only for a thread of its own, such as libmosquitto's network thread running a
    /// `BrokerRecorder` observer (which must restart the broker before its callback returns), never from async code.
    public func restartBlocking() throws {
        stopBlocking(signal: SIGTERM)
        try startBlocking()
    }

    private func startBlocking() throws {
        let child = try LabChildProcess([Self.executable, "-c", directory.appendingPathComponent("mosquitto.conf").path])
        process.withLock { $0 = child }
        try waitUntilListening()
    }

    public func kill() async { await stop(signal: SIGKILL) }

    /// SIGKILL without warning, then start again on the same port from what persistence holds.
    public func killAndRestart() async throws {
        await kill()
        try await start()
    }

    /// Whether mosquitto has written its persistence file (a subscriber's session survives a SIGKILL from then on).
    public var hasSavedState: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("mosquitto.db").path) }

    /// Sends `signal` and reaps the broker (SIGTERM: after mosquitto saved its state and exited).
    public func stop(signal: Int32 = SIGTERM) async {
        await LabChildProcess.offThePool { self.stopBlocking(signal: signal) }
    }

    /// `stop` on the calling thread: only for a thread of its own (a `BrokerRecorder` observer, see `restartBlocking`)
    /// and for deinit, which cannot await (with SIGKILL the reap is immediate); never from async code.
    public func stopBlocking(signal: Int32 = SIGTERM) {
        guard let child = process.withLock({ process in defer { process = nil }; return process }) else { return }
        Glibc.kill(child.pid, signal)
        // Bounded: a broker that ignores the signal (seen once in a parallel test pass: SIGTERM blocked, never pending)
        // is killed after 5 s rather than waited for forever on a thread every other test needs.
        var status: Int32 = 0
        for _ in 0..<500 {
            let reaped = waitpid(child.pid, &status, WNOHANG)
            if reaped == child.pid || (reaped < 0 && errno != EINTR) { return }
            usleep(10_000)
        }
        Glibc.kill(child.pid, SIGKILL)
        while waitpid(child.pid, &status, 0) < 0, errno == EINTR {}
    }

    /// The running broker's process id (its CPU time for a benchmark).
    public var pid: Int32? { process.withLock { $0?.pid } }

    /// Whether the broker process is alive (not exited, not a zombie).
    private var isRunning: Bool {
        guard let child = process.withLock({ $0 }) else { return false }
        var status: Int32 = 0
        return waitpid(child.pid, &status, WNOHANG) == 0
    }

    deinit {
        stopBlocking(signal: SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilListening() throws {
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            if !isRunning {
                let log = (try? String(contentsOf: directory.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
                throw BrokerError("mosquitto exited at start: \(log)")
            }
            usleep(10_000)
        }
        throw BrokerError("mosquitto did not listen on 127.0.0.1:\(port) within 5 s")
    }

    private static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A port the kernel just handed out (bound, then released for mosquitto).
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw BrokerError("cannot bind a loopback port: \(Errno.text(errno))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    public struct BrokerError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

import Foundation
import Glibc

/// Debian's real mosquitto broker as a test peer: its own process on a free loopback port, a generated
/// configuration with persistence on, all state in a temporary directory. `restart` stops it the way a
/// service manager does (SIGTERM: mosquitto writes its persistence file on the way out) and starts it again
/// on the same port; `kill` is SIGKILL (what survives then is only what the last autosave wrote).
public final class MosquittoBroker: @unchecked Sendable {
    public static let executable = "/usr/sbin/mosquitto"
    /// Whether Debian's mosquitto is installed (apt: mosquitto; scripts/setup.sh installs it).
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    public let port: UInt16
    public let directory: URL
    private var process: Process?

    public init() throws {
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
        autosave_interval 1
        max_queued_messages 0
        log_dest file \(directory.path)/mosquitto.log
        log_type error
        log_type warning
        log_type notice

        """
        try configuration.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilListening()
    }

    /// SIGTERM, wait for the exit (persistence written), start again on the same port.
    public func restart() throws {
        stop(signal: SIGTERM)
        try start()
    }

    public func kill() { stop(signal: SIGKILL) }

    public func stop(signal: Int32 = SIGTERM) {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    private func waitUntilListening() throws {
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            if process?.isRunning == false {
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
        guard bound == 0 else { throw BrokerError("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    public struct BrokerError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

import Glibc
import IoMTCore
import IoMTSystem

/// The client side of iomtd's control socket: one request line out, one answer line back.
public struct ControlClient: Sendable {
    /// Where the packaged iomtd listens (`control.socketPath`).
    public static let defaultSocketPath = "/run/iomtd/control.sock"

    public let socketPath: String
    public var timeoutSeconds: Int

    public init(socketPath: String, timeoutSeconds: Int = 30) { self.socketPath = socketPath; self.timeoutSeconds = timeoutSeconds }

    public enum Failure: Error, CustomStringConvertible {
        /// The daemon is not there (no socket, nobody listening, or the socket's mode keeps us out).
        case unreachable(String)
        /// It answered, but not in time or not with one readable answer line.
        case protocolError(String)
        /// It answered with a refusal (the message and the exit code iomtctl returns).
        case refused(String, ExitCode)

        public var description: String {
            switch self {
            case let .unreachable(reason): "iomtd is not reachable: \(reason)"
            case let .protocolError(reason): reason
            case let .refused(message, _): message
            }
        }

        public var exitCode: ExitCode {
            if case let .refused(_, code) = self { return code }
            return .failed
        }
    }

    /// Sends a command and returns the daemon's reply, a refusal included.
    public func send(_ command: ControlCommand) throws(Failure) -> ControlReply {
        try send(line: Array((command.json.serialized() + "\n").utf8))
    }

    /// Sends a command and decodes its result; a refusal or an unreadable result is a `Failure`.
    public func call<Payload: ControlPayload>(_ command: ControlCommand, expecting type: Payload.Type) throws(Failure) -> Payload {
        let reply = try send(command)
        if let message = reply.error { throw .refused(message, reply.exitCode) }
        do { return try reply.payload(type) } catch { throw .protocolError("iomtd's \(error) (is iomtctl the same release as iomtd?)") }
    }

    func send(line: [UInt8]) throws(Failure) -> ControlReply {
        signal(SIGPIPE, SIG_IGN) // a closed socket is an error to report, not a reason to die
        guard let address = UnixSocketAddress(socketPath) else {
            throw .unreachable("socket path too long: \(socketPath) (at most \(UnixSocketAddress.maximumPathBytes) bytes)")
        }
        let fd = UnixSocketAddress.makeSocket()
        guard fd >= 0 else { throw .unreachable("socket(): \(Errno.text(errno))") }
        defer { close(fd) }
        guard address.connect(fd) == 0 else {
            let reason = errno == EACCES ? "permission denied on \(socketPath) (run as root or a member of the iomtd group)"
                : "\(socketPath): \(Errno.text(errno))"
            throw .unreachable(reason)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < line.count {
            let written = line[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            // The daemon may answer (a refusal) and close before reading everything: read its answer anyway.
            guard written > 0 else { break }
            offset += written
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 { throw .protocolError("no answer from iomtd within \(timeoutSeconds) s (\(Errno.text(errno)))") }
            if count == 0 { break }
            response += chunk[0..<count]
            if response.last == UInt8(ascii: "\n") { break }
        }
        let firstLine = response.split(separator: UInt8(ascii: "\n")).first.map(Array.init) ?? []
        do { return try ControlReply.decode(firstLine) } catch {
            throw .protocolError("unreadable answer from iomtd (\(error)): \(String(decoding: response.prefix(200), as: UTF8.self))")
        }
    }
}

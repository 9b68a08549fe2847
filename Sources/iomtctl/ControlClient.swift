import Glibc
import IoMTCore
import IoMTDaemon

/// iomtctl's side of the control socket: one request line out, one response line back.
enum ControlClient {
    static let defaultSocketPath = "/run/iomtd/control.sock"

    /// --socket PATH, $IOMTD_CONTROL_SOCKET, or the packaged default.
    static func socketPath(_ arguments: inout CommandArguments) throws(CLIError) -> String {
        if let option = try arguments.option("--socket") { return option }
        if let env = getenv("IOMTD_CONTROL_SOCKET") { return String(cString: env) }
        return defaultSocketPath
    }

    enum Failure: Error {
        /// The daemon is not there (no socket, nobody listening).
        case unreachable(String)
        case protocolError(String)
    }

    static func send(_ request: ControlRequest, to path: String, timeoutSeconds: Int = 30) throws(Failure) -> ControlResponse {
        signal(SIGPIPE, SIG_IGN) // a closed socket is an error to report, not a reason to die
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .unreachable("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .unreachable("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = errno == EACCES ? "permission denied on \(path) (run as root or a member of the iomtd group)" : "\(path): \(String(cString: strerror(errno)))"
            throw .unreachable(reason)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = Array((request.json.serialized() + "\n").utf8)
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
            if count < 0 { throw .protocolError("no answer from iomtd within \(timeoutSeconds) s (\(String(cString: strerror(errno))))") }
            if count == 0 { break }
            response += chunk[0..<count]
            if response.last == UInt8(ascii: "\n") { break }
        }
        guard let parsed = ControlResponse.parse(response.split(separator: UInt8(ascii: "\n")).first.map(Array.init) ?? []) else {
            throw .protocolError("unreadable answer from iomtd: \(String(decoding: response.prefix(200), as: UTF8.self))")
        }
        return parsed
    }

    /// Sends and turns a refusal into the CLI error (exit code from the daemon: 1, 2 or 3).
    static func call(_ request: ControlRequest, socket: String, timeoutSeconds: Int = 30) throws(CLIError) -> JSONValue {
        let response: ControlResponse
        do { response = try send(request, to: socket, timeoutSeconds: timeoutSeconds) } catch {
            switch error {
            case let .unreachable(reason):
                throw CLIError(message: "iomtd is not reachable: \(reason)", hint: "is the service running? systemctl status iomtd", exitCode: 1)
            case let .protocolError(reason):
                throw CLIError(message: reason, exitCode: 1)
            }
        }
        if let message = response.error { throw CLIError(message: message, exitCode: response.exitCode) }
        return response.result ?? .null
    }
}

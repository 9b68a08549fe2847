import Glibc
import IoMTControl
import IoMTCore

/// iomtctl's side of the control socket (the client is IoMTControl's): where the socket is, and a refusal
/// turned into the CLI error with the daemon's exit code.
enum ControlSocket {
    /// --socket PATH, $IOMTD_CONTROL_SOCKET, or the packaged default.
    static func path(_ arguments: inout CommandArguments) throws(CLIError) -> String {
        if let option = try arguments.option("--socket") { return option }
        if let env = getenv("IOMTD_CONTROL_SOCKET") { return String(cString: env) }
        return ControlClient.defaultSocketPath
    }

    /// Sends a command and decodes its result; the daemon unreachable or refusing is a CLI error (exit code 1, 2 or 3).
    static func call<Payload: ControlPayload>(_ command: ControlCommand, expecting type: Payload.Type, socket: String,
                                               timeoutSeconds: Int = 30) throws(CLIError) -> Payload {
        do { return try ControlClient(socketPath: socket, timeoutSeconds: timeoutSeconds).call(command, expecting: type) } catch {
            throw CLIError(error)
        }
    }
}

/// What every command that asks the daemon takes first: the socket (`ControlSocket.path`) and `--json`.
struct DaemonRequest {
    let socket: String
    let json: Bool

    init(_ arguments: inout CommandArguments) throws(CLIError) {
        socket = try ControlSocket.path(&arguments)
        json = arguments.flag("--json")
    }

    /// The daemon's answer to `command`, or nil when `--json` asked for it and it has been printed as JSON.
    func answer<Payload: ControlPayload>(_ command: ControlCommand, expecting type: Payload.Type,
                                         timeoutSeconds: Int = 30) throws(CLIError) -> Payload? {
        let result = try ControlSocket.call(command, expecting: type, socket: socket, timeoutSeconds: timeoutSeconds)
        if json { print(result.json.serialized()); return nil }
        return result
    }
}

extension CLIError {
    init(_ failure: ControlClient.Failure) {
        switch failure {
        case .unreachable:
            self.init(message: failure.description, hint: "is the service running? systemctl status iomtd", exitCode: failure.exitCode)
        case .protocolError, .refused:
            self.init(message: failure.description, exitCode: failure.exitCode)
        }
    }
}

import IoMTControl

/// Actions that change the record (alert acknowledge/silence, quarantine requeue) are made by the running daemon on
/// its own store connection: iomtctl never opens the store for writing, so a missing daemon is a refusal (exit 1),
/// never a silent write beside it or on a store nobody reads.
enum RecordedAction {
    /// `--db FILE` / `--state-dir DIR` as given (scripts from before still pass them); only named in the refusal.
    static func storeNamed(_ arguments: inout CommandArguments) throws(CLIError) -> String? {
        let given = arguments.contains("--db") || arguments.contains("--state-dir")
        let path = try StoreLocation.path(&arguments)
        return given ? path : nil
    }

    static func send<Payload: ControlPayload>(_ command: ControlCommand, expecting type: Payload.Type, socket: String,
                                              store: String?) throws(CLIError) -> Payload {
        do { return try ControlClient(socketPath: socket).call(command, expecting: type) } catch {
            guard case .unreachable = error else { throw CLIError(error) }
            throw CLIError(message: "\(error); nothing was recorded",
                           hint: "the running iomtd records this on its own store (iomtctl never writes \(store ?? "the store")): "
                               + "systemctl start iomtd, then retry (or pass --socket PATH)", exitCode: .failed)
        }
    }
}

import IoMTControl
import IoMTCore

/// `iomtctl scan`, `pair`, `forget`: Bluetooth devices through the daemon's BlueZ connection.
enum ScanCommand {
    static let usage = "usage: iomtctl scan [--seconds N] [--json] | iomtctl scan --serial [--profiles-dir DIR] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        if arguments.flag("--serial") { try await SerialScan.run(&arguments); return }
        let request = try DaemonRequest(&arguments)
        let secondsText = try arguments.option("--seconds")
        try arguments.finish()
        var seconds = 10
        if let secondsText {
            guard let value = Int(secondsText), (1...ControlCommand.maxScanSeconds).contains(value) else {
                throw CLIError(message: "--seconds: expected 1 to \(ControlCommand.maxScanSeconds), found \"\(secondsText)\"", hint: usage, exitCode: .usage)
            }
            seconds = value
        }
        guard let result = try request.answer(.scan(seconds: seconds), expecting: ScanReply.self, timeoutSeconds: seconds + 30) else { return }
        let devices = result.devices
        if devices.isEmpty {
            print("no Bluetooth devices seen in \(seconds) s (is the device advertising or discoverable? some start on a button press)")
            return
        }
        for device in devices {
            let rssi = device.rssi.map { "\($0) dBm" } ?? "—"
            let flags = [device.paired ? "paired" : nil, device.trusted ? "trusted" : nil, device.connected ? "connected" : nil].compactMap { $0 }
            // A Classic device has no GATT service to match a profile: say what it offers (pick its profile in devices[]).
            let offer = device.profile ?? (device.transport == "bredr" ? (device.serialPort ? "serial port (SPP)" : "health device class") : "no health profile")
            print("\(device.address)  \(rssi)  \(device.transport)  \(offer)  "
                  + "\(device.name ?? "(no name)")\(flags.isEmpty ? "" : "  [" + flags.joined(separator: ", ") + "]")")
        }
    }
}

enum PairCommand {
    static let usage = "usage: iomtctl pair ADDRESS [--passkey N | --passkey - | --pin TEXT] [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        var passkey = try arguments.option("--passkey")
        let pin = try arguments.option("--pin")
        let address = try arguments.required("ADDRESS", usage: usage)
        try arguments.finish()
        var secret: ControlCommand.PairingSecretArgument?
        if passkey != nil, pin != nil { throw CLIError(message: "give --passkey or --pin, not both", hint: usage, exitCode: .usage) }
        if passkey == "-" {
            guard let typed = PasskeyPrompt.read() else {
                throw CLIError(message: "--passkey -: no passkey on standard input", hint: usage, exitCode: .usage)
            }
            passkey = typed
        }
        if let passkey {
            guard passkey.count <= 6, let value = Int(passkey), (0...999_999).contains(value) else {
                throw CLIError(message: "--passkey: expected 0 to 999999 (the six digits the device shows), found \"\(passkey)\"", hint: usage, exitCode: .usage)
            }
            secret = .passkey(value)
        }
        if let pin { secret = .pin(pin) }
        guard let result = try request.answer(.pair(address: address, secret: secret), expecting: PairReply.self, timeoutSeconds: 150) else { return }
        print("paired \(result.address) (trusted)\(result.profile.map { ", profile \($0)" } ?? ", no health profile matches its services")")
    }
}

enum ForgetCommand {
    static let usage = "usage: iomtctl forget ADDRESS [--json]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        let address = try arguments.required("ADDRESS", usage: usage)
        try arguments.finish()
        guard let result = try request.answer(.forget(address: address), expecting: ForgetReply.self) else { return }
        print("forgot \(result.address): BlueZ removed it and its bond")
    }
}

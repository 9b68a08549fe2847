import Glibc
import IoMTControl
import IoMTCore

// iomtctl — the technician's CLI. See `man iomtctl` (docs/man/iomtctl.1).
// Exit codes (ExitCode in IoMTControl, shared with iomtd): 0 success, 1 operation failed, 2 usage or input error
// (bad profile id, malformed hex, …), 3 permission denied.
let commands: [String: (inout CommandArguments) async throws(CLIError) -> Void] = [
    "decode": DecodeCommand.run,
    "status": StatusCommand.run,
    "metrics": MetricsCommand.run,
    "quarantine": QuarantineCommand.run,
    "profiles": ProfilesCommand.run,
    "devices": DevicesCommand.run,
    "bind": BindCommand.run,
    "unbind": UnbindCommand.run,
    "bindings": BindingsCommand.run,
    "doctor": DoctorCommand.run,
    "trend": TrendCommand.run,
    "replay": ReplayCommand.run,
    "capture": CaptureCommand.run,
    "readings": ReadingsCommand.run,
    "rules": RulesCommand.run,
    "alerts": AlertsCommand.run,
    "scan": ScanCommand.run,
    "pair": PairCommand.run,
    "forget": ForgetCommand.run,
    "store": StoreCommand.run,
    "spirometry": SpirometryCommand.run,
]

var arguments = CommandArguments(Array(CommandLine.arguments.dropFirst()))
guard let name = arguments.next() else {
    print(CLIHelp.overview)
    exit(ExitCode.usage.rawValue)
}
if name == "-h" || name == "--help" || name == "help" {
    let topic = arguments.next()
    if topic == "--man" { print(ManPage.render(), terminator: ""); exit(0) }
    if let topic, let text = CLIHelp.command[topic] { print(text) } else { print(CLIHelp.overview) }
    exit(0)
}
if name == "--version" { print("iomtctl \(ProductVersion.current)"); exit(0) }
guard let command = commands[name] else {
    writeToStandardError("iomtctl: unknown command '\(name)'\n\n\(CLIHelp.overview)")
    exit(ExitCode.usage.rawValue)
}
do {
    if arguments.contains("-h") || arguments.contains("--help") { print(CLIHelp.command[name] ?? CLIHelp.overview); exit(0) }
    var commandArguments = arguments
    try await command(&commandArguments)
} catch {
    writeToStandardError("iomtctl \(name): \(error.message)")
    if let hint = error.hint { writeToStandardError("  \(hint)\n") }
    exit(error.exitCode.rawValue)
}

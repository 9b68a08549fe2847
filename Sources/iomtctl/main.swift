import Glibc
import IoMTCore

// iomtctl — the technician's CLI. See `man iomtctl` (docs/man/iomtctl.1).
// Exit codes: 0 success, 1 operation failed, 2 usage or input error (bad profile id, malformed hex, …).
let commands: [String: (inout CommandArguments) throws(CLIError) -> Void] = [
    "decode": DecodeCommand.run,
]

var arguments = CommandArguments(Array(CommandLine.arguments.dropFirst()))
guard let name = arguments.next() else {
    print(CLIHelp.overview)
    exit(2)
}
if name == "-h" || name == "--help" || name == "help" {
    if let topic = arguments.next(), let text = CLIHelp.command[topic] { print(text) } else { print(CLIHelp.overview) }
    exit(0)
}
if name == "--version" { print("iomtctl 0.1.0"); exit(0) }
guard let command = commands[name] else {
    fputs("iomtctl: unknown command '\(name)'\n\n\(CLIHelp.overview)\n", stderr)
    exit(2)
}
do {
    if arguments.contains("-h") || arguments.contains("--help") { print(CLIHelp.command[name] ?? CLIHelp.overview); exit(0) }
    try command(&arguments)
} catch {
    fputs("iomtctl \(name): \(error.message)\n", stderr)
    if let hint = error.hint { fputs("  \(hint)\n", stderr) }
    exit(error.exitCode)
}

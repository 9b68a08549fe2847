import Glibc

// Subcommands live in their own files; this switch only dispatches.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "sim":
    exit(runSimulatorCommand(Array(arguments.dropFirst())))
default:
    let usage = "usage: iomt-lab sim cms50 [options]   (run `iomt-lab sim` for details)\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(64)
}

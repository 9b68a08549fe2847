// iomt-lab: test peers for iomtd (local DOM receiver; device simulators join here as subcommands).
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())

func printUsage() {
    print("""
    usage: iomt-lab <command> [options]
    commands:
      dom-receiver --port N [--data FILE] [--record DIR] [--fault SCRIPT]
                   local DOM FHIR receiver on 127.0.0.1; SCRIPT e.g. 1-3:503+retry-after=2,5:drop,7:slow=1500
    """)
}

switch arguments.first {
case "dom-receiver":
    exit(DOMReceiverCommand.run(Array(arguments.dropFirst())))
case "-h", "--help", "help":
    printUsage()
default:
    printUsage()
    exit(2)
}

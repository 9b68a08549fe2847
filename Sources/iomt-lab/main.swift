// iomt-lab: test peers for iomtd — device simulators (pseudo-terminals, BLE through BlueZ) and the local DOM receiver.
// Subcommands live in their own files; this switch only dispatches.
import Glibc
import IoMTCore

ProcessSignals.resetTerminationSignals()

let arguments = Array(CommandLine.arguments.dropFirst())

func printUsage() {
    print("""
    usage: iomt-lab <command> [options]
    commands:
      sim cms50 [--generation legacy|v46] [--link PATH] [--script demo|steady|dip] [--count N] [--garbage R] [--replay FILE.hex]
                   simulated Contec CMS50 oximeter(s) on pseudo-terminals
      sim nonin [--format 2|8] [--link PATH] [--script demo|steady|dip] [--garbage R]
                   simulated Nonin serial oximeter (data format #2 or #8)
      sim spirometer [--link PATH] [--interval S] [--tear R]
                   simulated spirometer printing text reports
      ble-sim --device blood-pressure|pulse-oximeter|nonin-3230|lepu-pc60fw|jumper-jpd500f [--adapter hciN] [--fixtures DIR] [--name NAME]
              [--interval-ms N] [--disconnect-after N] [--include-rejected]
                   simulated Bluetooth LE health device served through BlueZ (GATT + advertisement + agent),
                   replaying Firmware-Fixtures values; Current Time 0x1805 starts unset (2000-01-01)
      dom-receiver --port N [--data FILE] [--record DIR] [--fault SCRIPT | --fault-file FILE]
                   [--tls-cert FILE --tls-key FILE [--client-ca FILE]] [--oauth2-client ID:SECRET [--token-lifetime S]]
                   local DOM FHIR receiver on 127.0.0.1; SCRIPT: <transactions>:<action>,... e.g.
                   1-3:503+retry-after=2,4:429+retry-after-date=1,5:drop,6:lost,7:slow=1500,8:garbage,9:truncated,10:entries=500/3
                   (status [+retry-after=S|+retry-after-date=S], drop, lost, slow=MS, garbage, truncated, entries=STATUS/N);
                   FILE holds rules one per line (# comments);
                   optional TLS (mutual with --client-ca) and an OAuth2 token endpoint at POST /token
    Run a command with --help for details.
    """)
}

switch arguments.first {
case "sim":
    exit(runSimulatorCommand(Array(arguments.dropFirst())))
case "ble-sim":
    exit(BLESimulatorCommand.run(Array(arguments.dropFirst())))
case "dom-receiver":
    exit(DOMReceiverCommand.run(Array(arguments.dropFirst())))
case "-h", "--help", "help":
    printUsage()
default:
    printUsage()
    exit(2)
}

import Glibc
import IoMTConfiguration
import IoMTCore
import IoMTDaemon

ProcessSignals.resetTerminationSignals()
MemoryTuning.limitMallocArenas()

// iomtd — the IoMT gateway daemon. See `man iomtd` (docs/man/iomtd.8).
let usage = """
    Usage: iomtd [--config FILE] [--check-config] [--version]

    Reads medical devices (serial now, BLE later), stores every reading durably, raises local
    alerts and forwards readings to DOM as FHIR (HL7 PHD IG).

      --config FILE    configuration file (default \(DaemonConfiguration.defaultPath))
      --check-config   validate the configuration and profiles, print problems, exit 0 or 2
      --version        print the version
      -h, --help       this text

    Exit codes: 0 stopped cleanly, 1 internal failure, 2 invalid configuration or usage. A store that
    cannot be opened or written is no reason to stop: iomtd runs degraded and retries.
    """

var configPath = DaemonConfiguration.defaultPath
var checkOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--config":
        guard let value = arguments.popFirst() else { writeToStandardError("iomtd: --config needs a file path\n"); exit(2) }
        configPath = value
    case "--check-config": checkOnly = true
    case "--version": print("iomtd \(GatewayDaemon.version)"); exit(0)
    case "-h", "--help": print(usage); exit(0)
    default: writeToStandardError("iomtd: unknown argument '\(argument)'\n\(usage)\n"); exit(2)
    }
}

let daemon: GatewayDaemon
do { daemon = try GatewayDaemon.load(configPath: configPath) } catch {
    writeToStandardError("iomtd: configuration refused:\n\(error)")
    exit(2)
}
if checkOnly { print("iomtd: configuration \(configPath) is valid"); exit(0) }
exit(await daemon.run())

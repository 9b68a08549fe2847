import Glibc
import IoMTCollector
import IoMTCore

ProcessSignals.resetTerminationSignals()

// iomt-collector — relays gateways' MQTT bundles to DOM. See `man iomt-collector` (docs/man/iomt-collector.1).
let usage = """
    Usage: iomt-collector [--config FILE] [--client-id ID] [--check-config] [--version]

    Subscribes to the gateways' readings on the provider's MQTT broker with an MQTT 5 shared subscription
    ($share/<group>/<topicPrefix>/+/observations and …/alerts), POSTs each PHD transaction Bundle to DOM and
    acknowledges the message only after DOM accepted it, or after a bundle DOM refused was kept on disk
    (<stateDirectory>/quarantine). Run as many instances as the load needs, each with its own client id.

      --config FILE     configuration file (default /etc/iomt-collector/collector.json)
      --client-id ID    MQTT client id of this instance (overrides broker.clientId; unique per instance)
      --check-config    validate the configuration, print problems, exit 0 or 2
      --version         print the version
      -h, --help        this text

    Exit codes: 0 stopped cleanly, 1 runtime failure, 2 invalid configuration or usage, 3 permission denied.
    """

var configPath = "/etc/iomt-collector/collector.json"
var clientId: String? = nil
var checkOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--config", "--client-id":
        guard let value = arguments.popFirst(), !value.isEmpty else { writeToStandardError("iomt-collector: \(argument) needs a value\n"); exit(2) }
        if argument == "--config" { configPath = value } else { clientId = value }
    case "--check-config": checkOnly = true
    case "--version": print("iomt-collector \(CollectorService.version)"); exit(0)
    case "-h", "--help": print(usage); exit(0)
    default: writeToStandardError("iomt-collector: unknown argument '\(argument)'\n\(usage)\n"); exit(2)
    }
}

let configuration: CollectorConfiguration
do { configuration = try CollectorService.load(configPath: configPath, clientId: clientId) } catch {
    writeToStandardError("iomt-collector: configuration refused:\n\(error)\n")
    exit(access(configPath, R_OK) != 0 && errno == EACCES ? 3 : 2)
}
if checkOnly {
    for warning in configuration.warnings { writeToStandardError("iomt-collector: warning: \(warning)\n") }
    print("iomt-collector: configuration \(configPath) is valid\(configuration.warnings.isEmpty ? "" : " (with warnings)")")
    exit(0)
}
exit(await CollectorService.run(configuration))

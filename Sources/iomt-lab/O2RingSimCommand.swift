import Foundation
import IoMTLab

/// `iomt-lab ble-sim --device o2ring`: the Viatom O2Ring ("Oxy" protocol, service 14839ac4-…) through BlueZ.
enum O2RingSimCommand {
    static let usage = """
    usage: iomt-lab ble-sim --device o2ring [--adapter hci0] [--name NAME] [--records N] [--disconnect-after-live K]
      Serves a Viatom O2Ring through BlueZ (system bus): service 14839ac4-7d7e-415c-9a42-167340cf2339 with
      8b00ace7-… (requests, write) and 0734594a-… (responses, notify), an LE advertisement and a NoInputNoOutput
      agent. Answers the requests of Sources/IoMTDrivers/ViatomOxy/README.md — info (JSON with CurTIME = the host
      clock as device time, and FileList), file open/read/close, real-time data — built from the published layout.
      Holds two stored sessions of N records each (default 40; one every 4 s, one every 2 s; the later one ending
      ten minutes before the start) and never deletes them; each record is logged with its device time.
      --disconnect-after-live K   after the K-th real-time answer, drop the central's link once (out of range)
    Logs one line per event on stdout ("ble-sim: file 20261203223000 opened", "ble-sim: real-time answer #1 …").
    Runs until SIGINT or SIGTERM.
    """

    static func run(_ arguments: [String]) -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") { print(usage); return 0 }
        var configuration = O2RingPeripheral.Configuration()
        let parsed = parseOptions(arguments[...], usage: usage, program: "iomt-lab ble-sim") { option, value in
            switch option {
            case "--device": return value == "o2ring" ? nil : "this usage is for --device o2ring"
            case "--adapter": return BLESimOptions.adapter(value) { configuration.adapter = $0 }
            case "--name": return BLESimOptions.name(value) { configuration.localName = $0 }
            case "--records": return readNumber(option, value, in: 1...20_000) { configuration.recordsPerSession = $0 }
            case "--disconnect-after-live": return readNumber(option, value, in: 1...100_000) { configuration.disconnectAfterLiveAnswers = $0 }
            default: return "unknown option \(option)"
            }
        }
        guard parsed else { return 64 }
        let simulator = O2RingPeripheral(configuration: configuration) { line in
            print("ble-sim: " + line)
            fflush(nil)
        }
        print("ble-sim: o2ring on \(configuration.adapter), 2 sessions of \(configuration.recordsPerSession) records")
        fflush(nil)
        return serveOnSystemBus(start: { connection in
            try await simulator.export(on: connection)
            try await simulator.registerWithBlueZ()
        }, stop: { await simulator.stop() })
    }
}

import Dispatch
import Foundation
import IoMTDBus
import IoMTLab

/// `iomt-lab ble-sim --device contec-spirometer`: the Contec BLE spirometer (FF12 / FF01 / FF02) through BlueZ.
enum ContecSpirometerSimCommand {
    static let usage = """
    usage: iomt-lab ble-sim --device contec-spirometer [--adapter hci0] [--name NAME] [--records N]
                            [--disconnect-after-sync] [--add-record-after-sync K]
      Serves a Contec BLE spirometer (SP70B / SP80B class) through BlueZ (system bus): service FF12 with FF01
      (commands, write with response) and FF02 (answers, notify), an LE advertisement and a NoInputNoOutput agent.
      Answers the sync of Sources/IoMTDrivers/ContecSpirometer/README.md (start, clock, version, predicted values,
      record count, each record and its waveform, end) from N stored records (default 3; one every ten minutes up
      to the start, host clock as device time), built from the published 43-byte layout. The records are kept
      when the central ends with "keep" (91 7E), deleted on "delete" (91 7F).
      --disconnect-after-sync     after each sync ends, drop the central's link (as the device switching off);
                                  the central reconnects and syncs again
      --add-record-after-sync K   once sync K has ended, store one new record (time: the device clock)
      SIGUSR1                     store one new record now
    Logs one line per event on stdout ("ble-sim: command 91 00 01 12: record #1", "ble-sim: sync #1 ended: …").
    Runs until SIGINT or SIGTERM.
    """

    static func run(_ arguments: [String]) -> Int32 {
        if BLESimOptions.printedHelp(arguments, usage: usage) { return 0 }
        var configuration = ContecSpirometerPeripheral.Configuration()
        let parsed = parseOptions(arguments[...], usage: usage, program: "iomt-lab ble-sim", flags: ["--disconnect-after-sync"],
                                  flag: { _ in configuration.disconnectAfterSync = true }) { option, value in
            switch option {
            case "--device", "--adapter", "--name":
                return BLESimOptions.deviceAdapterOrName(option, value, device: "contec-spirometer", adapter: { configuration.adapter = $0 },
                                                         name: { configuration.localName = $0 })
            case "--records": return readNumber(option, value, in: 0...1000) { configuration.records = $0 }
            case "--add-record-after-sync": return readNumber(option, value, in: 1...1000) { configuration.addRecordAfterSync = $0 }
            default: return "unknown option \(option)"
            }
        }
        guard parsed else { return 64 }
        let simulator = ContecSpirometerPeripheral(configuration: configuration, log: bleSimLog)
        bleSimLog("contec-spirometer on \(configuration.adapter), \(configuration.records) records")
        return serveOnSystemBus(simulator, addingRecordOnSIGUSR1: { await simulator.addRecordNow() })
    }
}

import Dispatch
import Foundation
import IoMTDBus
import IoMTLab

/// `iomt-lab ble-sim --device contec-oximeter-ble|beurer-po60`: the Contec-family BLE oximeters (FF12 / FF01 / FF02)
/// through BlueZ.
enum ContecOximeterSimCommand {
    static let usage = """
    usage: iomt-lab ble-sim --device contec-oximeter-ble [--adapter hci0] [--name NAME]
           iomt-lab ble-sim --device beurer-po60 [--adapter hci0] [--name NAME] [--records N] [--disconnect-after-transfer MS]
      Serves a Contec-family BLE oximeter through BlueZ (system bus): service FF12 with FF01 (commands, write with
      response) and FF02 (notify), an LE advertisement and a NoInputNoOutput agent
      (Sources/IoMTDrivers/ContecOximeterBLE/README.md).
      contec-oximeter-ble  an EMAY SleepO2 (name "SleepO2-SIM"): HELLO 89 09 and START 9B 01 1C (each answered with a
                           placeholder: their layout is unpublished) start the live
                           stream, one 8-byte frame EB 01 05 PR SpO2 7F 00 ck a second (SpO2 95-98 %, pulse 68-75/min)
                           while HEARTBEATs 9A 1A keep coming (it pauses after 5 s without one); STOP 9B 7F 1A ends it
      beurer-po60          a Beurer PO60 (name "PO60-SIM"): 90 05 15 then 99 00 19 are answered with every stored
                           record as an E9 notification and its pulse-rate notification, built from the published
                           layout; nothing is deleted, each request re-sends all
      --records N          beurer-po60: N stored records at start (default 3; one every ten minutes up to the start,
                           host clock as device time)
      --disconnect-after-transfer MS
                           beurer-po60: MS milliseconds after each transfer's last notification, drop the central's
                           link (the device switching off) and advertise again: the central reconnects and reads again
      SIGUSR1              beurer-po60: store one new record now (end time: the host clock)
    Logs one line per event on stdout ("ble-sim: command 99 00 19: 3 stored measurements sent (transfer #1)",
    "ble-sim: live frame #1: …"). Runs until SIGINT or SIGTERM.
    """

    static func run(_ arguments: [String]) -> Int32 {
        if BLESimOptions.printedHelp(arguments, usage: usage) { return 0 }
        var configuration = ContecOximeterPeripheral.Configuration()
        let parsed = parseOptions(arguments[...], usage: usage, program: "iomt-lab ble-sim", flags: [], flag: { _ in }) { option, value in
            switch option {
            case "--device":
                guard let kind = ContecOximeterPeripheral.Kind(rawValue: value) else { return "this usage is for --device contec-oximeter-ble or beurer-po60" }
                configuration.kind = kind
                return nil
            case "--adapter": return BLESimOptions.adapter(value) { configuration.adapter = $0 }
            case "--name": return BLESimOptions.name(value) { configuration.localName = $0 }
            case "--records": return readNumber(option, value, in: 0...1000) { configuration.records = $0 }
            case "--disconnect-after-transfer": return readNumber(option, value, in: 0...600_000) { configuration.disconnectAfterTransferMs = $0 }
            default: return "unknown option \(option)"
            }
        }
        guard parsed else { return 64 }
        for option in ["--records", "--disconnect-after-transfer"] where configuration.kind == .emaySleepO2 && arguments.contains(option) {
            FileHandle.standardError.write(Data("iomt-lab ble-sim: \(option) is for --device beurer-po60 (the SleepO2 stores nothing)\n\(usage)\n".utf8))
            return 64
        }
        let simulator = ContecOximeterPeripheral(configuration: configuration, log: bleSimLog)
        bleSimLog("\(configuration.kind.rawValue) on \(configuration.adapter)\(configuration.kind == .beurerPO60 ? ", \(configuration.records) records" : "")")
        return serveOnSystemBus(simulator, addingRecordOnSIGUSR1: { await simulator.addRecordNow() })
    }
}
